/**
 * One conflict opened: both versions side by side. For text, a line diff
 * computed in the tab from the two contents (fetched and decrypted here);
 * for a binary, what is known of each (date, size, machine). Keep this
 * one, the other, or both.
 */
import { useEffect, useState } from "preact/hooks";
import { resolveConflict, type Choice, type Conflict, type ConflictSide, type ConflictSides } from "../conflicts-data.ts";
import { Dialog } from "../dialog.ts";
import { readContent } from "../file-content.ts";
import { formatBytes, formatDate } from "../format.ts";
import { html } from "../html.ts";
import { asText, lineDiff, type DiffLine } from "../text-diff.ts";

type Contents = { state: "loading" } | { state: "text"; rows: DiffRow[] } | { state: "binary"; reason: string };

/** A row of the side-by-side view: a line of each side, or a gap. */
interface DiffRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

function pairRows(diff: DiffLine[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) rows.push({ left: removed[i] ?? null, right: added[i] ?? null });
    removed = [];
    added = [];
  };
  for (const line of diff) {
    if (line.op === "removed") removed.push(line);
    else if (line.op === "added") added.push(line);
    else {
      flush();
      rows.push({ left: line, right: line });
    }
  }
  flush();
  return rows;
}

function Meta(props: { side: ConflictSide; label: string; machineName: (id: string) => string; onKeep: () => void; keepLabel: string; busy: boolean }) {
  const m = props.side.manifest;
  return html`<div class="conflict-side">
    <p class="conflict-side-label">${props.label}</p>
    <p class="strong truncate" title=${props.side.name}>${props.side.name}</p>
    <p class="muted">${props.machineName(m.machineId)} · ${formatDate(m.mtimeMs)} · ${formatBytes(m.size)}</p>
    <button class="primary" onClick=${props.onKeep} disabled=${props.busy} aria-label=${props.keepLabel}>Keep this version</button>
  </div>`;
}

function Cell(props: { line: DiffLine | null; side: "a" | "b" }) {
  const line = props.line;
  if (!line) return html`<span class="diff-no"></span><span class="diff-text gap"></span>`;
  const cls = line.op === "same" ? "" : props.side === "a" ? "removed" : "added";
  return html`<span class="diff-no">${props.side === "a" ? line.a : line.b}</span><span class=${`diff-text ${cls}`}>${line.text || " "}</span>`;
}

/**
 * The conflict's dialog.
 * @param props The conflict, its sides, machine names, and what closing and resolving do.
 * @returns The dialog.
 */
export function ConflictView(props: { conflict: Conflict; sides: ConflictSides; machineName: (id: string) => string; onClose: () => void; onResolved: () => void }) {
  const { file, copy } = props.sides;
  const [contents, setContents] = useState<Contents>({ state: "loading" });
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!copy) return setContents({ state: "binary", reason: "The conflict copy is gone already (kept, renamed or deleted on a machine)." });
    let current = true;
    Promise.all([readContent(file.manifest), readContent(copy.manifest)])
      .then(([a, b]) => {
        const ta = asText(a);
        const tb = asText(b);
        if (!current) return;
        if (ta === null || tb === null) setContents({ state: "binary", reason: "Not text: compare them by date and size, or open both on a machine." });
        else setContents({ state: "text", rows: pairRows(lineDiff(ta, tb)) });
      })
      .catch((err: Error) => current && setContents({ state: "binary", reason: `No preview: ${err.message}` }));
    return () => {
      current = false;
    };
  }, [props.conflict.id]);
  const choose = async (choice: Choice) => {
    setBusy(true);
    setError("");
    try {
      await resolveConflict(props.conflict, props.sides, choice);
      props.onResolved();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${`Conflict on ${file.name}`} onClose=${props.onClose} wide>
    <div class="conflict-view">
      <p class="muted">The same file changed on two machines. The server kept one version at the file's place; the other was saved beside it as a conflict copy. Choose what stays: the other version goes to the trash.</p>
      <div class="conflict-sides">
        <${Meta} side=${file} label="At the file's place" machineName=${props.machineName} onKeep=${() => void choose("file")} keepLabel="Keep the file's version" busy=${busy || !copy} />
        ${copy ? html`<${Meta} side=${copy} label="Conflict copy" machineName=${props.machineName} onKeep=${() => void choose("copy")} keepLabel="Keep the conflict copy's version" busy=${busy} />` : null}
      </div>
      ${contents.state === "loading" ? html`<div class="skeleton" aria-busy="true" aria-label="Loading the contents"><div class="skeleton-row"></div><div class="skeleton-row"></div></div>`
        : contents.state === "binary" ? html`<p class="notice">${contents.reason}</p>`
        : html`<div class="diff" role="table" aria-label="Differences, line by line">${contents.rows.map((r, i) => html`<div class="diff-row" role="row" key=${i}><${Cell} line=${r.left} side="a" /><${Cell} line=${r.right} side="b" /></div>`)}</div>`}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions">
        <button type="button" onClick=${props.onClose}>Close</button>
        <button type="button" onClick=${() => void choose("both")} disabled=${busy}>${copy ? "Keep both" : "Mark as resolved"}</button>
      </div>
    </div>
  <//>`;
}
