/**
 * Conflicts: the open ones (resolved ones on a tab), each with the file's
 * name (unlocked), and both versions' dates, sizes and machines; one opens
 * side by side (./conflict-view.ts) to keep one version, the other or both.
 */
import { useEffect, useState } from "preact/hooks";
import { findSides, listConflicts, type Conflict, type ConflictSide, type ConflictSides } from "../conflicts-data.ts";
import { formatAgo, formatBytes, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";
import { liveMachines, onLive } from "../live.ts";
import { useStore } from "../store.ts";
import { InsecureOrigin, UnlockDialog } from "../unlock.ts";
import { canUnlock, vaultState, type Entry } from "../vault.ts";
import { ConflictView } from "./conflict-view.ts";
import { EmptyState, ErrorState, Skeleton } from "./states.ts";

type Tab = "open" | "resolved";
type Found = ConflictSides | null | "failed";

function Version(props: { side: ConflictSide | null | undefined; machineName: (id: string) => string }) {
  const s = props.side;
  if (!s) return html`<span class="muted">—</span>`;
  return html`<div class="conflict-version"><span>${props.machineName(s.manifest.machineId)}</span>
    <small class="muted" title=${formatDate(s.manifest.mtimeMs)}>${formatAgo(s.manifest.mtimeMs)} · ${formatBytes(s.manifest.size)}</small></div>`;
}

/**
 * The conflicts page.
 * @returns The page.
 */
export function ConflictsPage() {
  const vault = useStore(vaultState);
  const machines = useStore(liveMachines);
  const [tab, setTab] = useState<Tab>("open");
  const [conflicts, setConflicts] = useState<Conflict[] | null>(null);
  const [sides, setSides] = useState<Map<string, Found>>(new Map());
  const [error, setError] = useState("");
  const [opened, setOpened] = useState<Conflict | null>(null);
  const [unlocking, setUnlocking] = useState(false);
  const [reload, setReload] = useState(0);
  const unlocked = vault.state === "unlocked";

  useEffect(() => {
    let current = true;
    setConflicts(null);
    listConflicts(tab)
      .then(async (list) => {
        if (!current) return;
        setConflicts(list);
        setError("");
        if (!unlocked) return setSides(new Map());
        const folders = new Map<string, Promise<Entry[]>>();
        const found = await Promise.all(list.map(async (c) => [c.id, await findSides(c, folders).catch((): Found => "failed")] as const));
        if (current) setSides(new Map(found));
      })
      .catch((err: Error) => current && setError(err.message));
    return () => {
      current = false;
    };
  }, [tab, unlocked, reload]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onLive((m) => {
      if ((m.type === "report" && m.report.type === "conflict_detected") || m.type === "snapshot") {
        clearTimeout(timer);
        timer = setTimeout(() => setReload((n) => n + 1), 200);
      }
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }, []);

  const machineName = (id: string) => (id === "" ? "This browser" : (machines?.find((m) => m.id === id)?.name ?? "A removed machine"));
  const openedSides = opened ? sides.get(opened.id) : undefined;

  return html`<section class="page conflicts" aria-label="Conflicts">
    <div class="tabs" role="tablist" aria-label="Which conflicts">
      ${(["open", "resolved"] as const).map((t) => html`<button role="tab" class="tab" aria-selected=${tab === t} onClick=${() => setTab(t)}>${t === "open" ? "Open" : "Resolved"}</button>`)}
    </div>
    ${!unlocked
      ? canUnlock()
        ? html`<div class="notice" role="note"><${Icon} name="lock" /><p><strong>Names are locked.</strong> Unlock with your master password to see which files are in conflict, compare their versions and resolve them. It is used in this tab only.</p>
            <button class="primary" onClick=${() => setUnlocking(true)} disabled=${vault.state === "unlocking"}>Unlock</button></div>`
        : html`<${InsecureOrigin} />`
      : null}
    ${unlocking ? html`<${UnlockDialog} onClose=${() => setUnlocking(false)} />` : null}
    ${error ? html`<${ErrorState} title="The conflicts could not be listed" detail=${error} />`
      : !conflicts ? html`<${Skeleton} rows=${3} />`
      : conflicts.length === 0
        ? html`<${EmptyState} title=${tab === "open" ? "No conflicts" : "No resolved conflicts yet"} detail=${tab === "open" ? "When the same file changes on two machines before they sync, both versions are kept and the conflict is listed here." : "Conflicts you resolve are listed here."} />`
        : html`<div class="table-wrap"><table class="conflict-table">
            <thead><tr><th class="col-name">File</th><th class="col-side">At the file's place</th><th class="col-side">Conflict copy</th><th class="col-date">${tab === "open" ? "Found" : "Resolved"}</th><th class="col-actions"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>${conflicts.map((c) => {
              const found = sides.get(c.id);
              const s = found && found !== "failed" ? found : null;
              const name = !unlocked ? "Locked name" : found === undefined ? "…" : found === "failed" ? "Does not verify" : s ? s.file.name : "The file is gone";
              return html`<tr class="conflict-row" key=${c.id} data-conflict=${c.id}>
                <td class="col-name"><div class="file-name${unlocked ? "" : " locked"}"><${Icon} name="conflicts" /><div class="conflict-name"><span class="truncate" title=${name}>${name}</span><small class="muted">reported by ${machineName(c.machineId)}${c.resolvedAt ? ` · resolved ${formatAgo(c.resolvedAt)}` : ""}</small></div></div></td>
                <td class="col-side"><${Version} side=${s?.file} machineName=${machineName} /></td>
                <td class="col-side"><${Version} side=${s?.copy} machineName=${machineName} /></td>
                <td class="col-date" title=${formatDate(c.resolvedAt ?? c.ts)}>${formatAgo(tab === "open" ? c.ts : c.resolvedAt)}</td>
                <td class="col-actions">${tab === "open" && s ? html`<button onClick=${() => setOpened(c)} aria-label=${`Open the conflict on ${name}`}>Open</button>` : null}</td>
              </tr>`;
            })}</tbody>
          </table></div>`}
    ${opened && openedSides && openedSides !== "failed"
      ? html`<${ConflictView} conflict=${opened} sides=${openedSides} machineName=${machineName} onClose=${() => setOpened(null)}
          onResolved=${() => { setOpened(null); setReload((n) => n + 1); }} />`
      : null}
  </section>`;
}
