/**
 * Files: the vault's folders as a hierarchy, names decrypted in this tab.
 * Breadcrumbs, sorting by any column, filtering by name; while locked the
 * sizes and dates still show and the names say they are locked. The list
 * follows the vault live: what an agent uploads appears without a reload.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { formatAgo, formatBytes, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";
import { liveMachines, onLive } from "../live.ts";
import { navigate } from "../router.ts";
import { session } from "../session.ts";
import { useStore } from "../store.ts";
import { InsecureOrigin, UnlockDialog } from "../unlock.ts";
import { canUnlock, listFolder, vaultState, type Entry } from "../vault.ts";
import { HistoryDialog } from "./history.ts";
import { EmptyState, ErrorState, Skeleton } from "./states.ts";

type SortKey = "name" | "size" | "modified" | "machine";

/** Rows drawn at once; a larger folder draws more on request (sorting and filtering cover all). */
const PAGE_ROWS = 500;

/** Names seen in this tab, for breadcrumbs (forgotten on lock). */
const names = new Map<string, string>();
vaultState.subscribe((s) => s.state !== "unlocked" && names.clear());

function compare(a: Entry, b: Entry, key: SortKey, machineName: (id: string) => string): number {
  if (a.kind !== b.kind) return a.kind === "dir" ? -1 : 1;
  const byName = (a.name ?? a.nodeId).localeCompare(b.name ?? b.nodeId, undefined, { numeric: true, sensitivity: "base" });
  if (key === "size") return a.size - b.size || byName;
  if (key === "modified") return a.modifiedAt - b.modifiedAt || byName;
  if (key === "machine") return machineName(a.manifest?.machineId ?? "").localeCompare(machineName(b.manifest?.machineId ?? "")) || byName;
  return byName;
}

function Breadcrumbs(props: { chain: string[] }) {
  const crumbs = [{ id: ROOT_NODE_ID, label: "All files", href: "/files" }];
  props.chain.forEach((id, i) => crumbs.push({ id, label: names.get(id) ?? "Locked folder", href: "/files/" + props.chain.slice(0, i + 1).join("/") }));
  return html`<nav class="crumbs" aria-label="Folder path"><ol>
    ${crumbs.map((c, i) => html`<li>${i === crumbs.length - 1 ? html`<span aria-current="page" class="truncate">${c.label}</span>` : html`<a href=${c.href} class="truncate">${c.label}</a><${Icon} name="chevron" size=${14} />`}</li>`)}
  </ol></nav>`;
}

function moveFocus(e: KeyboardEvent): void {
  if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
  const rows = [...document.querySelectorAll<HTMLElement>(".file-row .file-name")];
  const at = rows.indexOf(document.activeElement as HTMLElement);
  const next = rows[Math.max(0, Math.min(rows.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
  if (next) {
    e.preventDefault();
    next.focus();
  }
}

/**
 * The files page.
 * @param props The folder chain from the root (node ids).
 * @returns The page.
 */
export function FilesPage(props: { chain: string[] }) {
  const folder = props.chain.at(-1) ?? ROOT_NODE_ID;
  const vault = useStore(vaultState);
  const machines = useStore(liveMachines);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState("");
  const [sort, setSort] = useState<{ key: SortKey; up: boolean }>({ key: "name", up: true });
  const [query, setQuery] = useState("");
  const [unlocking, setUnlocking] = useState(false);
  const [limit, setLimit] = useState(PAGE_ROWS);
  const [history, setHistory] = useState<Entry | null>(null);
  const [, setChainNames] = useState(0);
  const unlocked = vault.state === "unlocked";
  const vaultId = useStore(session)?.vaultId;

  useEffect(() => {
    let current = true;
    const load = async () => {
      try {
        const list = await listFolder(folder);
        if (!current) return;
        for (const e of list) if (e.name !== null) names.set(e.nodeId, e.name);
        setEntries(list);
        setError("");
        // Names of the folders above, for a page opened from its address.
        if (unlocked && props.chain.some((id) => !names.has(id))) {
          for (const [i, id] of props.chain.entries()) {
            if (names.has(id)) continue;
            for (const e of await listFolder(props.chain[i - 1] ?? ROOT_NODE_ID)) if (e.name !== null) names.set(e.nodeId, e.name);
          }
          if (current) setChainNames((n) => n + 1);
        }
      } catch (err) {
        if (current) setError(err instanceof Error ? err.message : String(err));
      }
    };
    setEntries(null);
    setLimit(PAGE_ROWS);
    void load();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onLive((m) => {
      // A snapshot opens every (re)connection: what changed while the socket was down is listed again.
      if (m.type !== "changes" && m.type !== "changed" && m.type !== "snapshot") return;
      clearTimeout(timer);
      timer = setTimeout(() => void load(), 100);
    });
    return () => {
      current = false;
      clearTimeout(timer);
      off();
    };
  }, [folder, unlocked]);

  const machineName = (id: string) => (id === "" ? "This browser" : (machines?.find((m) => m.id === id)?.name ?? "Removed machine"));
  const shown = useMemo(() => {
    if (!entries) return null;
    const q = query.trim().normalize("NFC").toLocaleLowerCase();
    const filtered = q && unlocked ? entries.filter((e) => e.name?.toLocaleLowerCase().includes(q)) : entries;
    const sorted = [...filtered].sort((a, b) => compare(a, b, sort.key, machineName));
    return sort.up ? sorted : sorted.reverse();
  }, [entries, query, sort, unlocked, machines]);

  const header = (key: SortKey, label: string, cls: string) => html`<th class=${cls} aria-sort=${sort.key === key ? (sort.up ? "ascending" : "descending") : "none"}>
    <button class="sort" onClick=${() => setSort({ key, up: sort.key === key ? !sort.up : true })} disabled=${!unlocked && (key === "name" || key === "machine")}>
      ${label}${sort.key === key ? html`<${Icon} name=${sort.up ? "up" : "down"} size=${14} />` : null}
    </button></th>`;

  return html`<section class="page files" aria-label="Files">
    <div class="page-head">
      <${Breadcrumbs} chain=${props.chain} />
      <div class="files-find">
        <label class="search">
          <${Icon} name="search" size=${16} /><span class="sr-only">Filter by name</span>
          <input type="search" placeholder=${unlocked ? "Filter by name" : "Unlock to filter by name"} value=${query} disabled=${!unlocked}
            onInput=${(e: Event) => setQuery((e.target as HTMLInputElement).value)} />
        </label>
        <a class="button" href="/search" aria-label="Search the vault"><${Icon} name="search" size=${16} /><span>Search the vault</span></a>
      </div>
    </div>
    ${!unlocked
      ? canUnlock()
        ? html`<div class="notice" role="note"><${Icon} name="lock" /><p><strong>Names are locked.</strong> What the server stores is shown (encrypted sizes, padded, and dates); unlock with your master password to see names and real sizes. It is used in this tab only.</p>
            <button class="primary" onClick=${() => setUnlocking(true)} disabled=${vault.state === "unlocking"}>Unlock</button></div>`
        : html`<${InsecureOrigin} />`
      : null}
    ${unlocking ? html`<${UnlockDialog} onClose=${() => setUnlocking(false)} />` : null}
    ${history ? html`<${HistoryDialog} file=${history} onClose=${() => setHistory(null)} />` : null}
    ${error
      ? html`<${ErrorState} title="The folder could not be listed" detail=${error} />`
      : !shown
        ? html`<${Skeleton} rows=${6} />`
        : shown.length === 0
          ? query
            ? html`<${EmptyState} title="Nothing matches" detail=${`No name in this folder contains “${query}”.`} />`
            : folder === ROOT_NODE_ID
              ? html`<${EmptyState} title="No files yet" detail="Files appear here as soon as a machine syncs them. Connect a computer with an invitation:" command="syncagent register --server ${location.origin} --invite <code>" action=${{ label: "Create an invitation", href: "/invitations" }} />`
              : html`<${EmptyState} title="This folder is empty" detail="Files put into it on any machine appear here." />`
          : html`<div class="table-wrap"><table class="file-table" onKeyDown=${moveFocus}>
              <thead><tr>${header("name", "Name", "col-name")}${header("size", unlocked ? "Size" : "Stored", "col-size")}${header("modified", "Modified", "col-date")}${header("machine", "Last machine", "col-machine")}<th class="col-actions"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${shown.slice(0, limit).map((e) => {
                const label = e.damaged ? "Does not verify" : (e.name ?? "Locked name");
                const cls = `file-name${e.name === null ? " locked" : ""}${e.damaged ? " damaged" : ""}`;
                const inner = html`<${Icon} name=${e.kind === "dir" ? "folder" : "file"} /><span class="truncate" title=${e.name ?? ""}>${label}</span>`;
                return html`<tr class="file-row" key=${e.nodeId} data-node=${e.nodeId}>
                  <td class="col-name">${e.kind === "dir"
                    ? html`<a class=${cls} href=${`/files/${[...props.chain, e.nodeId].join("/")}`} onClick=${(ev: MouseEvent) => { ev.preventDefault(); navigate(`/files/${[...props.chain, e.nodeId].join("/")}`); }}>${inner}</a>`
                    : html`<span class=${cls} tabIndex="0">${inner}</span>`}</td>
                  <td class="col-size num">${e.kind === "dir" ? "—" : formatBytes(e.size)}</td>
                  <td class="col-date" title=${formatDate(e.modifiedAt)}>${formatAgo(e.modifiedAt)}</td>
                  <td class="col-machine truncate">${e.manifest ? machineName(e.manifest.machineId) : "—"}</td>
                  <td class="col-actions"><div class="row-actions">
                    ${vaultId ? html`<a class="button ghost" href=${`syncfile://${vaultId}/${e.nodeId}`} aria-label=${`Open ${e.name ?? "this item"} on this computer`} title="Open on this computer (its agent must handle syncfile:// links: syncagent register-protocol)"><${Icon} name="open" /><span>Open</span></a>` : null}
                    ${e.kind === "file" ? html`<button class="ghost" onClick=${() => setHistory(e)} aria-label=${`History of ${e.name ?? "this file"}`}><${Icon} name="history" /><span>History</span></button>` : null}
                  </div></td>
                </tr>`;
              })}</tbody>
            </table>
            <div class="table-foot"><p class="muted">${shown.length} item${shown.length === 1 ? "" : "s"}${query ? ` matching “${query}”` : ""}${shown.length > limit ? `, ${limit} shown` : ""}</p>
              ${shown.length > limit ? html`<button onClick=${() => setLimit(limit + PAGE_ROWS * 4)}>Show ${Math.min(PAGE_ROWS * 4, shown.length - limit)} more</button>` : null}</div></div>`}
  </section>`;
}
