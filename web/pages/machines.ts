/**
 * Machines: each with its live status in a word and a colour, when it was
 * last seen, what it holds, its transfer in progress; sync now, pause and
 * resume (./machine-actions.ts); rename, and remove after a confirmation
 * that says what stops.
 */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api.ts";
import { Dialog } from "../dialog.ts";
import { formatAgo, formatSpeed } from "../format.ts";
import { html } from "../html.ts";
import { Field } from "../field.ts";
import { Icon } from "../icons.ts";
import { liveMachines, type Machine } from "../live.ts";
import { reloadMachines } from "../machines-data.ts";
import { useStore } from "../store.ts";
import { MachineActions } from "./machine-actions.ts";
import { EmptyState, ErrorState, Skeleton } from "./states.ts";
import { CompactTransfer } from "./transfers.ts";

const STATE_LABEL: Record<string, string> = { syncing: "Syncing", idle: "Up to date", error: "Error", paused: "Paused", offline: "Offline" };

interface MachineStats {
  machineId: string;
  filesHeld: number;
}

function RenameDialog(props: { machine: Machine; onClose: () => void }) {
  const [name, setName] = useState(props.machine.name);
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api(`/api/machines/${props.machine.id}`, { method: "PATCH", body: { name } });
      await reloadMachines();
      props.onClose();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 422 ? "Choose a name of 1 to 64 characters, without control characters" : String((err as Error).message));
    }
  };
  return html`<${Dialog} title=${`Rename ${props.machine.name}`} onClose=${props.onClose}>
    <form onSubmit=${submit}>
      <${Field} label="Name" name="machineName" value=${name} maxLength=${64} required autofocus onValue=${setName} />
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions"><button type="button" onClick=${props.onClose}>Cancel</button><button class="primary" type="submit">Rename</button></div>
    </form>
  <//>`;
}

function RemoveDialog(props: { machine: Machine; onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [needPassword, setNeedPassword] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      if (needPassword) await api("/api/auth/reauth", { method: "POST", body: { password } });
      await api(`/api/machines/${props.machine.id}`, { method: "DELETE" });
      await reloadMachines();
      props.onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === "reauth_required") setNeedPassword(true);
      else if (err instanceof ApiError && err.code === "invalid_credentials") setError("Wrong password");
      else if (err instanceof ApiError && err.code === "too_many_attempts") setError(`Too many wrong passwords: try again in ${err.retryAfter ?? 1} s`);
      else setError(String((err as Error).message));
    } finally {
      setPassword("");
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${`Remove ${props.machine.name}?`} onClose=${props.onClose}>
    <form onSubmit=${submit}>
      <p><strong>${props.machine.name}</strong> stops syncing at once: its token stops working and its connections close. Its files stay on the server and on the machine itself. To sync it again, register it with a new invitation.</p>
      ${needPassword
        ? html`<${Field} label="Your account password" name="reauthPassword" type="password" value=${password} required autofocus autocomplete="current-password" onValue=${setPassword} />
            <small class="hint">Removing a machine asks for your password again.</small>`
        : null}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions"><button type="button" onClick=${props.onClose}>Cancel</button><button class="danger" type="submit" disabled=${busy}>Remove machine</button></div>
    </form>
  <//>`;
}

/**
 * The machines page.
 * @returns The page.
 */
export function MachinesPage() {
  const machines = useStore(liveMachines);
  const [stats, setStats] = useState<Map<string, MachineStats>>(new Map());
  const [error, setError] = useState("");
  const [renaming, setRenaming] = useState<Machine | null>(null);
  const [removing, setRemoving] = useState<Machine | null>(null);
  useEffect(() => {
    if (!machines) reloadMachines().catch((err: Error) => setError(err.message));
    api<{ machines: MachineStats[] }>("/api/stats")
      .then((s) => setStats(new Map(s.machines.map((m) => [m.machineId, m]))))
      .catch(() => undefined);
  }, []);
  if (error && !machines) return html`<${ErrorState} title="The machines could not be listed" detail=${error} />`;
  if (!machines) return html`<${Skeleton} rows=${3} />`;
  if (machines.length === 0) {
    return html`<${EmptyState} title="No machines yet" detail="Create an invitation, then run the command it shows on the computer to connect."
      action=${{ label: "Create an invitation", href: "/invitations" }} />`;
  }
  return html`<section class="page" aria-label="Machines">
    <div class="table-wrap"><table class="machine-table">
      <thead><tr><th class="col-name">Machine</th><th class="col-status">Status</th><th class="col-seen">Last seen</th><th class="num col-files">Files</th><th class="num col-speed">Speed</th><th class="col-actions"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${machines.map((m) => {
        const s = m.status;
        const held = stats.get(m.id)?.filesHeld;
        return html`<tr key=${m.id} class="machine-row" data-machine=${m.id}>
          <td class="col-name"><div class="machine-name"><${Icon} name="machines" /><div><span class="truncate strong">${m.name}</span><small class="muted">${m.platform}</small></div></div></td>
          <td><span class=${`state ${s.state}`}><span class=${`dot ${s.state}`}></span>${STATE_LABEL[s.state] ?? s.state}</span>
            ${s.state === "error" && s.lastError ? html`<small class="error-text truncate" title=${s.lastError}>${s.lastError}</small>` : null}
            ${s.state === "syncing" && s.filesPending ? html`<small class="muted">${s.filesPending} file${s.filesPending === 1 ? "" : "s"} left</small>` : null}
            <${CompactTransfer} machine=${m} /></td>
          <td class="col-seen" title=${m.lastSeenAt ? new Date(m.lastSeenAt).toLocaleString() : "never"}>${formatAgo(m.lastSeenAt)}</td>
          <td class="num col-files">${s.filesSynced ?? held ?? "—"}</td>
          <td class="num col-speed">${s.state === "syncing" ? formatSpeed(s.speedBps) : "—"}</td>
          <td class="col-actions"><div class="row-actions">
            <${MachineActions} machine=${m} />
            <button class="ghost" onClick=${() => setRenaming(m)} aria-label=${`Rename ${m.name}`} title="Rename"><${Icon} name="edit" /><span>Rename</span></button>
            <button class="ghost danger-text" onClick=${() => setRemoving(m)} aria-label=${`Remove ${m.name}`} title="Remove"><${Icon} name="trash" /><span>Remove</span></button>
          </div></td>
        </tr>`;
      })}</tbody>
    </table></div>
    ${renaming ? html`<${RenameDialog} machine=${renaming} onClose=${() => setRenaming(null)} />` : null}
    ${removing ? html`<${RemoveDialog} machine=${removing} onClose=${() => setRemoving(null)} />` : null}
  </section>`;
}
