/**
 * Trash: what was deleted on any machine, most recent first, with when, by
 * which machine, its size and when it is purged. Restore brings an entry
 * back to its place, or beside it as "… (restored)" when the place is
 * taken (at the top of the vault when its folder is gone), and says which.
 * Names need the vault unlocked in this tab; locked, the metadata shows.
 * The admin can empty the trash now, after typing the password again.
 */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api.ts";
import { Dialog } from "../dialog.ts";
import { Field } from "../field.ts";
import { formatAgo, formatBytes, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";
import { liveMachines, onLive } from "../live.ts";
import { session } from "../session.ts";
import { useStore } from "../store.ts";
import { listTrash, purgeTrash, restoreFromTrash, RestoreRefused, type TrashRow } from "../trash-data.ts";
import { InsecureOrigin, UnlockDialog } from "../unlock.ts";
import { canUnlock, vaultState } from "../vault.ts";
import { EmptyState, ErrorState, Skeleton } from "./states.ts";

const DAY = 86_400_000;

function PurgeDialog(props: { count: number; onClose: () => void; onDone: (message: string) => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await api("/api/auth/reauth", { method: "POST", body: { password } });
      const done = await purgeTrash();
      props.onDone(`The trash was emptied: ${done.entriesPurged} item${done.entriesPurged === 1 ? "" : "s"} purged, ${formatBytes(done.bytesFreed)} freed.`);
    } catch (err) {
      if (err instanceof ApiError && err.code === "invalid_credentials") setError("Wrong password");
      else if (err instanceof ApiError && err.code === "too_many_attempts") setError(`Too many wrong passwords: try again in ${err.retryAfter ?? 1} s`);
      else setError(String((err as Error).message));
    } finally {
      setPassword("");
      setBusy(false);
    }
  };
  return html`<${Dialog} title="Empty the trash now?" onClose=${props.onClose}>
    <form onSubmit=${submit}>
      <p>${props.count === 1 ? "The item" : `All ${props.count}${props.count >= 100 ? "+" : ""} items`} in the trash will be deleted from the server for good, with every older version of ${props.count === 1 ? "it" : "them"}. <strong>This cannot be undone.</strong> Files on your machines stay as they are.</p>
      <${Field} label="Your account password" name="reauthPassword" type="password" value=${password} required autofocus autocomplete="current-password" onValue=${setPassword} />
      <small class="hint">Emptying the trash asks for your password again.</small>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions"><button type="button" onClick=${props.onClose}>Cancel</button><button class="danger" type="submit" disabled=${busy}>Empty the trash</button></div>
    </form>
  <//>`;
}

/**
 * The trash page.
 * @returns The page.
 */
export function TrashPage() {
  const vault = useStore(vaultState);
  const machines = useStore(liveMachines);
  const isAdmin = useStore(session)?.user.isAdmin ?? false;
  const [rows, setRows] = useState<TrashRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [retention, setRetention] = useState(30);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState<{ tone: "ok" | "bad"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [unlocking, setUnlocking] = useState(false);
  const [purging, setPurging] = useState(false);
  const [reload, setReload] = useState(0);
  const unlocked = vault.state === "unlocked" ? vault.vault : null;

  useEffect(() => {
    let current = true;
    listTrash(unlocked)
      .then((page) => {
        if (!current) return;
        setRows(page.rows);
        setNext(page.nextCursor);
        setRetention(page.retentionDays);
        setError("");
      })
      .catch((err: Error) => current && setError(err.message));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onLive((m) => {
      if (m.type !== "changes" && m.type !== "changed" && m.type !== "snapshot") return;
      if (m.type === "changes" && !m.events.some((e) => e.type.startsWith("File") || e.type.startsWith("Trash"))) return;
      clearTimeout(timer);
      timer = setTimeout(() => setReload((n) => n + 1), 150);
    });
    return () => {
      current = false;
      clearTimeout(timer);
      off();
    };
  }, [unlocked, reload]);

  const more = async () => {
    if (!next) return;
    try {
      const page = await listTrash(unlocked, next);
      setRows((r) => [...(r ?? []), ...page.rows]);
      setNext(page.nextCursor);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const restore = async (row: TrashRow) => {
    if (!unlocked) return setUnlocking(true);
    setBusy(row.item.nodeId);
    setNotice(null);
    try {
      const done = await restoreFromTrash(unlocked, row);
      setNotice({
        tone: "ok",
        text: done.used === "original"
          ? `Restored “${done.name}” to its original place.`
          : done.toTop
            ? `Its folder is gone: restored as “${done.name}” at the top of the vault.`
            : `Its place is taken: restored beside it as “${done.name}”.`,
      });
    } catch (err) {
      setNotice({ tone: "bad", text: err instanceof RestoreRefused ? err.message : `Not restored: ${(err as Error).message}` });
    } finally {
      setBusy(null);
      setReload((n) => n + 1);
    }
  };

  const machineName = (id: string | null | undefined) => (id === "" ? "This browser" : !id ? "—" : (machines?.find((m) => m.id === id)?.name ?? "Removed machine"));

  return html`<section class="page trash" aria-label="Trash">
    <div class="page-head">
      <p class="muted">Deleted files and folders are kept ${retention} day${retention === 1 ? "" : "s"}, then purged for good.</p>
      ${isAdmin ? html`<button class="danger-text" onClick=${() => setPurging(true)} disabled=${!rows || rows.length === 0}><${Icon} name="trash" /><span>Empty the trash…</span></button>` : null}
    </div>
    ${!unlocked
      ? canUnlock()
        ? html`<div class="notice" role="note"><${Icon} name="lock" /><p><strong>Names are locked.</strong> When, by which machine and how much was deleted still shows; restoring needs the names: unlock with your master password (in this tab only).</p>
            <button class="primary" onClick=${() => setUnlocking(true)} disabled=${vault.state === "unlocking"}>Unlock</button></div>`
        : html`<${InsecureOrigin} />`
      : null}
    ${notice ? html`<p class=${`notice ${notice.tone === "bad" ? "warn" : "done"}`} role=${notice.tone === "bad" ? "alert" : "status"}>${notice.text}</p>` : null}
    ${unlocking ? html`<${UnlockDialog} onClose=${() => setUnlocking(false)} />` : null}
    ${purging ? html`<${PurgeDialog} count=${rows?.length ?? 0} onClose=${() => setPurging(false)} onDone=${(text: string) => { setPurging(false); setNotice({ tone: "ok", text }); setReload((n) => n + 1); }} />` : null}
    ${error
      ? html`<${ErrorState} title="The trash could not be listed" detail=${error} />`
      : !rows
        ? html`<${Skeleton} rows=${4} />`
        : rows.length === 0
          ? html`<${EmptyState} title="The trash is empty" detail="Files and folders deleted on any machine come here, and can be restored until they are purged." />`
          : html`<div class="table-wrap"><table class="trash-table">
              <thead><tr><th class="col-name">Name</th><th class="col-deleted">Deleted</th><th class="col-by">By</th><th class="num col-size">Size</th><th class="col-purge">Purged</th><th class="col-actions"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${rows.map((row) => {
                const { item } = row;
                const label = row.damaged ? "Does not verify" : (row.name ?? "Locked name");
                const purgeAt = item.deletedAt + retention * DAY;
                const size = row.live ? row.live.manifest.size : item.size;
                return html`<tr class="trash-row" key=${`${item.nodeId}:${item.deletedVersion}`} data-node=${item.nodeId}>
                  <td class="col-name"><span class=${`file-name${row.name === null ? " locked" : ""}${row.damaged ? " damaged" : ""}`}><${Icon} name=${item.kind === "dir" ? "folder" : "file"} /><span class="truncate" title=${row.name ?? ""}>${label}</span></span>
                    ${item.restoresTo === "alternative" ? html`<small class="muted">Its place is taken: restores as a copy</small>` : null}</td>
                  <td class="col-deleted" title=${formatDate(item.deletedAt)}>${formatAgo(item.deletedAt)}</td>
                  <td class="col-by truncate">${machineName(row.tombstone ? row.tombstone.manifest.machineId : item.deletedBy)}</td>
                  <td class="num col-size">${item.kind === "dir" ? "—" : formatBytes(size)}</td>
                  <td class="col-purge" title=${formatDate(purgeAt)}>${purgeAt <= Date.now() ? "at the next purge" : `in ${Math.max(1, Math.ceil((purgeAt - Date.now()) / DAY))} d`}</td>
                  <td class="col-actions"><div class="row-actions">
                    <button class="ghost" onClick=${() => void restore(row)} disabled=${busy !== null || row.damaged} aria-label=${unlocked ? `Restore ${row.name ?? "this item"}` : "Unlock to restore"}><${Icon} name="restore" /><span>${unlocked ? "Restore" : "Unlock to restore"}</span></button>
                  </div></td>
                </tr>`;
              })}</tbody>
            </table>
            <div class="table-foot"><p class="muted">${rows.length} item${rows.length === 1 ? "" : "s"}${next ? " shown" : ""}</p>
              ${next ? html`<button onClick=${() => void more()}>Show more</button>` : null}</div></div>`}
  </section>`;
}
