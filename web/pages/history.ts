/**
 * A file's version history, opened from its row on the Files page: every
 * version newest first with its date, size, the machine that wrote it
 * (from the authenticated manifest) and the name it had then; restore
 * makes an older version current again, as a new version.
 */
import { useEffect, useState } from "preact/hooks";
import { Dialog } from "../dialog.ts";
import { formatAgo, formatBytes, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { listHistory, restoreVersion, VersionRestoreRefused } from "../history-data.ts";
import { Icon } from "../icons.ts";
import { liveMachines } from "../live.ts";
import { useStore } from "../store.ts";
import { vaultState, type Entry } from "../vault.ts";
import type { OpenedVersion } from "../versions.ts";
import { Skeleton } from "./states.ts";

/**
 * The history dialog.
 * @param props The file (as its row lists it) and what closing does.
 * @returns The dialog.
 */
export function HistoryDialog(props: { file: Entry; onClose: () => void }) {
  const vault = useStore(vaultState);
  const machines = useStore(liveMachines);
  const unlocked = vault.state === "unlocked" ? vault.vault : null;
  const [versions, setVersions] = useState<OpenedVersion[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState<{ tone: "ok" | "bad"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);
  const { nodeId } = props.file;

  useEffect(() => {
    let current = true;
    listHistory(unlocked, nodeId)
      .then((page) => {
        if (!current) return;
        setVersions(page.versions);
        setNext(page.nextBefore);
        setError("");
      })
      .catch((err: Error) => current && setError(err.message));
    return () => void (current = false);
  }, [nodeId, unlocked, reload]);

  const more = async () => {
    if (next === null) return;
    try {
      const page = await listHistory(unlocked, nodeId, next);
      setVersions((v) => [...(v ?? []), ...page.versions]);
      setNext(page.nextBefore);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const head = versions?.[0];
  const restore = async (target: OpenedVersion) => {
    if (!unlocked || !head) return;
    setBusy(true);
    setNotice(null);
    try {
      const version = await restoreVersion(unlocked, target, head);
      setNotice({ tone: "ok", text: `Version ${target.item.version} was restored as version ${version}: your machines get it at their next sync.` });
    } catch (err) {
      setNotice({ tone: "bad", text: err instanceof VersionRestoreRefused ? err.message : `Not restored: ${(err as Error).message}` });
    } finally {
      setBusy(false);
      setReload((n) => n + 1);
    }
  };

  const machineName = (id: string | null | undefined) => (id === "" ? "This browser" : !id ? "—" : (machines?.find((m) => m.id === id)?.name ?? "Removed machine"));
  const title = `History of ${props.file.name ?? "a locked file"}`;
  return html`<${Dialog} title=${title} onClose=${props.onClose} wide>
    ${!unlocked ? html`<p class="notice" role="note">Names are locked: dates and stored sizes show; unlock to see each version's name and machine and to restore one.</p>` : null}
    ${notice ? html`<p class=${`notice ${notice.tone === "bad" ? "warn" : "done"}`} role=${notice.tone === "bad" ? "alert" : "status"}>${notice.text}</p>` : null}
    ${error
      ? html`<p class="error" role="alert">The history could not be listed: ${error}</p>`
      : !versions
        ? html`<${Skeleton} rows=${3} />`
        : html`<ol class="versions" aria-label="Versions, newest first">${versions.map((v, i) => {
            const { item, opened } = v;
            const deleted = item.kind === "delete";
            const name = v.damaged ? "Does not verify" : deleted ? "Deleted" : (opened?.name ?? "Locked name");
            const moved = opened && head?.opened && !deleted && opened.parentId !== head.opened.parentId;
            const size = opened ? opened.manifest.size : item.size;
            const writer = opened ? opened.manifest.machineId : item.machineId;
            return html`<li class="version-row" key=${item.version} data-version=${item.version}>
              <div class="version-main">
                <span class=${`version-name truncate${v.damaged ? " damaged" : ""}${!opened && !v.damaged ? " locked" : ""}`} title=${opened?.name ?? ""}>${name}</span>
                <small class="muted"><span class="version-number">Version ${item.version}</span>${i === 0 ? html` · <strong>current</strong>` : null}${moved ? " · in another folder then" : null}</small>
              </div>
              <div class="version-meta">
                <span title=${formatDate(item.createdAt)}>${formatDate(item.createdAt)}</span>
                <small class="muted">${deleted ? "" : `${formatBytes(size)} · `}<span class="version-machine">${machineName(writer)}</span> · ${formatAgo(item.createdAt)}</small>
              </div>
              <div class="version-actions">${i === 0 || deleted || v.damaged || !unlocked
                ? null
                : html`<button class="ghost" onClick=${() => void restore(v)} disabled=${busy || !head?.opened} aria-label=${`Restore version ${item.version}`}><${Icon} name="restore" /><span>Restore</span></button>`}</div>
            </li>`;
          })}</ol>
          ${next !== null ? html`<button onClick=${() => void more()}>Show older versions</button>` : null}`}
    <div class="actions"><button type="button" onClick=${props.onClose}>Close</button></div>
  <//>`;
}
