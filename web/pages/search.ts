/**
 * Search: names across the whole vault, decrypted and matched in this tab
 * (the server gets no query), each result with its folder path; a click
 * opens the folder that holds it (a folder result opens the folder).
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { formatAgo, formatBytes, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";
import { onLive } from "../live.ts";
import { navigate } from "../router.ts";
import { search, type Indexed } from "../search-match.ts";
import { vaultIndex } from "../search-index.ts";
import { store, useStore } from "../store.ts";
import { InsecureOrigin, UnlockDialog } from "../unlock.ts";
import { canUnlock, vaultState } from "../vault.ts";
import { EmptyState, ErrorState, Skeleton } from "./states.ts";

/** Results drawn at most (the count says how many match). */
const SHOWN = 200;

/** The last query, kept while the tab is open so going back finds it. */
const lastQuery = store("");
vaultState.subscribe((s) => s.state !== "unlocked" && lastQuery.set(""));

function target(entry: Indexed): string {
  const chain = entry.kind === "dir" ? [...entry.chain, entry.nodeId] : entry.chain;
  return "/files" + chain.map((id) => "/" + id).join("");
}

/**
 * The search page.
 * @returns The page.
 */
export function SearchPage() {
  const vault = useStore(vaultState);
  const query = useStore(lastQuery);
  const [index, setIndex] = useState<Indexed[] | null>(null);
  const [error, setError] = useState("");
  const [unlocking, setUnlocking] = useState(false);
  const [reload, setReload] = useState(0);
  const unlocked = vault.state === "unlocked" ? vault.vault : null;

  useEffect(() => {
    if (!unlocked) return setIndex(null);
    let current = true;
    const started = performance.now();
    vaultIndex(unlocked)
      .then((found) => {
        if (!current) return;
        setIndex(found);
        setError("");
        document.body.dataset.searchIndexMs = String(Math.round(performance.now() - started));
      })
      .catch((err: Error) => current && setError(err.message));
    // What a machine changes is searched too: the index is read again shortly after.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onLive((m) => {
      if (m.type !== "changed" && !(m.type === "changes" && m.events.some((e) => e.type.startsWith("File") || e.type.startsWith("Trash")))) return;
      clearTimeout(timer);
      timer = setTimeout(() => setReload((n) => n + 1), 300);
    });
    return () => {
      current = false;
      clearTimeout(timer);
      off();
    };
  }, [unlocked, reload]);

  const found = useMemo(() => (index ? search(index, query, SHOWN) : null), [index, query]);

  return html`<section class="page search-page" aria-label="Search">
    <div class="page-head">
      <label class="search wide">
        <${Icon} name="search" size=${16} /><span class="sr-only">Search all files by name</span>
        <input type="search" placeholder=${unlocked ? "Search all files by name" : "Unlock to search"} value=${query} disabled=${!unlocked} autofocus
          onInput=${(e: Event) => lastQuery.set((e.target as HTMLInputElement).value)} />
      </label>
    </div>
    ${!unlocked
      ? canUnlock()
        ? html`<div class="notice" role="note"><${Icon} name="lock" /><p><strong>Names are locked.</strong> The search reads names in this tab: unlock with your master password to search. Nothing you type is sent.</p>
            <button class="primary" onClick=${() => setUnlocking(true)} disabled=${vault.state === "unlocking"}>Unlock</button></div>`
        : html`<${InsecureOrigin} />`
      : null}
    ${unlocking ? html`<${UnlockDialog} onClose=${() => setUnlocking(false)} />` : null}
    ${!unlocked
      ? null
      : error
        ? html`<${ErrorState} title="The vault could not be read for searching" detail=${error} />`
        : !index || !found
          ? html`<${Skeleton} rows=${4} />`
          : !query.trim()
            ? html`<${EmptyState} title="Search the whole vault" detail=${`Type part of a name: ${index.length} file${index.length === 1 ? "" : "s"} and folders are searched here, in this tab.`} />`
            : found.total === 0
              ? html`<${EmptyState} title="Nothing matches" detail=${`No file or folder name contains “${query.trim()}”.`} />`
              : html`<div class="table-wrap"><table class="file-table search-table">
                  <thead><tr><th class="col-name">Name</th><th class="col-folder">Folder</th><th class="col-size">Size</th><th class="col-date">Modified</th></tr></thead>
                  <tbody>${found.matches.map((e) => html`<tr class="search-row" key=${e.nodeId} data-node=${e.nodeId}>
                    <td class="col-name"><a class="file-name" href=${target(e)} onClick=${(ev: MouseEvent) => { ev.preventDefault(); navigate(target(e)); }}>
                      <${Icon} name=${e.kind === "dir" ? "folder" : "file"} /><span class="truncate" title=${e.name}>${e.name}</span></a>
                      <small class="muted truncate search-path" aria-hidden="true">${e.path || "All files"}</small></td>
                    <td class="col-folder truncate" title=${e.path || "All files"}>${e.path ? `All files / ${e.path}` : "All files"}</td>
                    <td class="col-size num">${e.kind === "dir" ? "—" : formatBytes(e.size)}</td>
                    <td class="col-date" title=${formatDate(e.modifiedAt)}>${e.modifiedAt ? formatAgo(e.modifiedAt) : "—"}</td>
                  </tr>`)}</tbody>
                </table>
                <div class="table-foot"><p class="muted" role="status">${found.total} result${found.total === 1 ? "" : "s"}${found.total > SHOWN ? `, the first ${SHOWN} shown: type more to narrow` : ""}</p></div></div>`}
  </section>`;
}
