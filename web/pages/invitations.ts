/**
 * Invitations: create one (its code is shown once, with the command to run
 * on the new machine), list them, revoke a pending one.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { Dialog } from "../dialog.ts";
import { formatAgo, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";
import { Command, EmptyState, ErrorState, Skeleton } from "./states.ts";

interface Invitation {
  id: string;
  createdAt: number;
  expiresAt: number;
  state: "pending" | "redeemed" | "expired" | "revoked";
  redeemedAt: number | null;
  machineId: string | null;
}

const STATE_LABEL: Record<Invitation["state"], string> = { pending: "Waiting", redeemed: "Used", expired: "Expired", revoked: "Revoked" };

function CreatedDialog(props: { code: string; expiresAt: number; firstMachine: boolean; onClose: () => void }) {
  const command = `syncagent ${props.firstMachine ? "init" : "register"} --server ${location.origin} --invite ${props.code}`;
  return html`<${Dialog} title="Invitation created" onClose=${props.onClose} wide=${true}>
    <p>Run this on the computer to connect. The code is shown only now; it works once, until ${formatDate(props.expiresAt)}.</p>
    <${Command} text=${command} />
    ${props.firstMachine ? html`<p class="muted">This is your vault's first machine: <code>init</code> creates the vault and asks for its master password. On later machines, use <code>syncagent register</code>.</p>` : null}
    <p class="muted">Code only: <code class="invite-code" data-testid="invite-code">${props.code}</code></p>
    <div class="actions"><button class="primary" onClick=${props.onClose}>Done</button></div>
  <//>`;
}

/**
 * The invitations page.
 * @returns The page.
 */
export function InvitationsPage() {
  const [items, setItems] = useState<Invitation[] | null>(null);
  const [error, setError] = useState("");
  const [created, setCreated] = useState<{ code: string; expiresAt: number; firstMachine: boolean } | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const load = () =>
    api<{ invitations: Invitation[] }>("/api/invitations")
      .then((r) => setItems([...r.invitations].sort((a, b) => b.createdAt - a.createdAt)))
      .catch((err: Error) => setError(err.message));
  useEffect(() => void load(), []);
  const create = async () => {
    try {
      const inv = await api<{ id: string; code: string; expiresAt: number }>("/api/invitations", { method: "POST" });
      const firstMachine = await api("/api/vault/key").then(() => false, () => true);
      setCreated({ code: inv.code, expiresAt: inv.expiresAt, firstMachine });
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (inv: Invitation) => {
    await api(`/api/invitations/${inv.id}`, { method: "DELETE" }).catch((err: Error) => setError(err.message));
    setRevoking(null);
    await load();
  };
  return html`<section class="page" aria-label="Invitations">
    <div class="page-head"><p class="muted">An invitation lets one computer join this vault. It works once and expires.</p>
      <button class="primary" onClick=${() => void create()}><${Icon} name="plus" /><span>New invitation</span></button></div>
    ${error ? html`<${ErrorState} title="Invitations could not be loaded" detail=${error} />` : null}
    ${!items ? html`<${Skeleton} rows=${3} />`
      : items.length === 0 ? html`<${EmptyState} title="No invitations yet" detail="Create one to connect a computer: you get a command to run on it." />`
      : html`<div class="table-wrap"><table>
          <thead><tr><th>Created</th><th>Status</th><th class="col-date">Expires</th><th class="col-actions"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${items.map((inv) => html`<tr key=${inv.id} class="invitation-row" data-state=${inv.state}>
            <td title=${formatDate(inv.createdAt)}>${formatAgo(inv.createdAt)}</td>
            <td><span class=${`state ${inv.state}`}><span class=${`dot ${inv.state === "pending" ? "syncing" : inv.state === "redeemed" ? "idle" : "offline"}`}></span>${STATE_LABEL[inv.state]}</span></td>
            <td class="col-date">${inv.state === "pending" ? formatDate(inv.expiresAt) : "—"}</td>
            <td class="col-actions">${inv.state === "pending" ? html`<button class="ghost danger-text" onClick=${() => setRevoking(inv)}>Revoke</button>` : null}</td>
          </tr>`)}</tbody></table></div>`}
    ${created ? html`<${CreatedDialog} ...${created} onClose=${() => setCreated(null)} />` : null}
    ${revoking
      ? html`<${Dialog} title="Revoke this invitation?" onClose=${() => setRevoking(null)}>
          <p>Its code stops working: nobody can connect a computer with it any more. Machines already connected are not affected.</p>
          <div class="actions"><button onClick=${() => setRevoking(null)}>Cancel</button><button class="danger" onClick=${() => void revoke(revoking)}>Revoke invitation</button></div>
        <//>`
      : null}
  </section>`;
}
