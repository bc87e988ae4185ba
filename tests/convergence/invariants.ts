/**
 * The invariants a convergence run must hold at its end (A8, A16, C6, Q2).
 * Pure functions over what was recorded and read: each returns the
 * violations it found, as sentences, empty when it holds.
 */
import { isTempName } from "../../lib/agent/transfer/temp-files.ts";
import type { Written } from "./apply.ts";
import type { FolderOp } from "./schedule.ts";
import type { HistoryEntry } from "./server-history.ts";
import { contentLines, type BaseEntry, type Snapshot } from "./snapshot.ts";

/** An operation as it ran. */
export interface AppliedOp {
  step: number;
  agent: number;
  op: FolderOp;
  skipped: string | null;
  /** When it started (the test's clock, which is the server's), ms. */
  at: number;
}

const CONFLICT = /\.conflict-\d{8}-\d{6}-[^./]*/;

/**
 * Every machine's synced part, and the new machine's copy of the server's tree, are identical.
 * @param parts Each agent's synced part.
 * @param fresh The fresh machine's folder after one sync.
 * @returns Violations.
 */
export function convergence(parts: Snapshot[], fresh: Snapshot): string[] {
  const out: string[] = [];
  const first = contentLines(parts[0]!);
  parts.forEach((p, i) => {
    const lines = contentLines(p);
    if (lines.join("\n") !== first.join("\n")) out.push(`machine ${i} differs from machine 0: ${diff(first, lines)}`);
  });
  const f = contentLines(fresh);
  if (f.join("\n") !== first.join("\n")) out.push(`the server's tree (a new machine's sync) differs from machine 0: ${diff(first, f)}`);
  return out;
}

function diff(a: string[], b: string[]): string {
  const sa = new Set(a);
  const sb = new Set(b);
  const only = (x: string[], y: Set<string>) => x.filter((l) => !y.has(l)).slice(0, 5);
  return JSON.stringify({ onlyFirst: only(a, sb), onlySecond: only(b, sa) });
}

/**
 * No temp or partial file is left in any folder.
 * @param snaps Each machine's whole folder.
 * @returns Violations.
 */
export function noTempFiles(snaps: Snapshot[]): string[] {
  const out: string[] = [];
  snaps.forEach((s, i) => {
    for (const path of s.keys()) if (isTempName(path.split("/").pop() ?? "")) out.push(`machine ${i} has a temp file left: ${path}`);
  });
  return out;
}

/**
 * The name a conflict copy was made for.
 * @param path A conflict copy's path.
 * @returns The original path, or null when the path is no conflict copy.
 */
export function conflictOriginal(path: string): string | null {
  const name = path.split("/").pop() ?? "";
  if (!CONFLICT.test(name)) return null;
  const dir = path.slice(0, path.length - name.length);
  return dir + name.replace(CONFLICT, "");
}

/**
 * No two conflict copies of one content for one file, and no conflict copy
 * of a content equal to the file it conflicted with (a false conflict).
 * @param snap One machine's synced part.
 * @returns Violations.
 */
export function conflictCopies(snap: Snapshot): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const [path, entry] of snap) {
    const original = conflictOriginal(path);
    if (original === null || entry.kind !== "file") continue;
    const key = `${original} ${entry.sha}`;
    const twin = seen.get(key);
    if (twin) out.push(`two conflict copies of one content for ${original}: ${twin} and ${path}`);
    else seen.set(key, path);
    const at = snap.get(original);
    if (at && at.kind === "file" && at.sha === entry.sha) out.push(`a false conflict: ${path} holds the same content as ${original}`);
  }
  return out;
}

/**
 * An agent's synced base equals what is on its disk: every path that syncs
 * is on disk as the base recorded it, and in the base when it is on disk. A
 * path that no longer syncs (a rule added, a name not in NFC) keeps its base
 * entry as it was while it lives on locally: a new rule deletes nothing and
 * syncs nothing, so it is not compared.
 * @param agent Its index, for the message.
 * @param base The base from its state database.
 * @param disk Its whole folder.
 * @param part Its folder's synced part.
 * @param syncing Whether a path syncs (the folder's rules). @default every path
 * @returns Violations.
 */
export function baseMatchesDisk(agent: number, base: Map<string, BaseEntry>, disk: Snapshot, part: Snapshot = disk, syncing: (path: string, isDir: boolean) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const [path, b] of base) {
    if (!syncing(path, b.kind === "dir")) continue;
    const d = disk.get(path);
    if (!d) out.push(`machine ${agent}'s synced base has ${path}, its disk does not`);
    else if (d.kind !== b.kind) out.push(`machine ${agent}: ${path} is a ${d.kind} on disk, a ${b.kind} in the base`);
    else if (d.kind === "file" && (d.size !== b.size || d.mtimeMs !== b.mtimeMs || d.ino !== b.ino)) out.push(`machine ${agent}: ${path} on disk is not what the base recorded`);
  }
  for (const path of part.keys()) if (!base.has(path)) out.push(`machine ${agent}'s disk has ${path}, its synced base does not`);
  return out;
}

function within(path: string, top: string): boolean {
  return path === top || path.startsWith(`${top}/`);
}

function touches(op: FolderOp, path: string): boolean {
  switch (op.kind) {
    case "write":
    case "append":
    case "truncate":
    case "editor-save":
    case "delete":
      return op.path === path;
    case "replace-with-folder":
    case "rmdir":
      return within(path, op.path);
    case "rename":
      return within(path, op.from) || within(path, op.to);
    default:
      return false; // mkdir, touch and rules change no content
  }
}

/**
 * The contents no later operation on any machine overwrote, moved or
 * deleted: each must still be somewhere at the end.
 * @param written Every content the operations left.
 * @param applied Every operation that ran.
 * @returns The contents that must survive.
 */
export function mustSurvive(written: Written[], applied: AppliedOp[]): Written[] {
  const ran = applied.filter((a) => a.skipped === null);
  const lastOfStep = new Map<string, Written>();
  for (const w of written) lastOfStep.set(`${w.step} ${w.path}`, w); // an editor's earlier saves are overwritten by its last
  return [...lastOfStep.values()].filter((w) => !ran.some((a) => a.step > w.step && touches(a.op, w.path)));
}

/**
 * No data lost: every content that must survive is in some folder (at a
 * path or in a conflict copy, synced or kept local by the rules).
 * @param survivors From {@link mustSurvive}.
 * @param snaps Every machine's whole folder.
 * @returns Violations.
 */
export function noDataLost(survivors: Written[], snaps: Snapshot[]): string[] {
  const present = new Set<string>();
  for (const s of snaps) for (const e of s.values()) if (e.kind === "file") present.add(e.sha);
  return survivors.filter((w) => !present.has(w.sha)).map((w) => `lost: the content machine ${w.agent} saved at ${w.path} (step ${w.step}) is nowhere`);
}

/** Whether `path` is a folder above `below`. */
function above(path: string, below: string): boolean {
  return below.startsWith(`${path}/`);
}

/** Whether an operation takes away what was at `path` (deletes, moves or replaces it). */
function removes(op: FolderOp, path: string): boolean {
  switch (op.kind) {
    case "delete":
      return op.path === path;
    case "rmdir":
    case "replace-with-folder":
      return within(path, op.path);
    case "rename":
      return within(path, op.from) || within(path, op.to); // a rename over a file replaces it
    case "editor-save":
      return path === op.path || path.startsWith(`${op.path}.~save`); // its temp file goes, and it replaces the original
    default:
      return false; // writes change content in place; touch, mkdir and rules remove nothing
  }
}

/** Whether an operation may bring a new node to `path` (a file it writes, a folder it makes, what it moves there). */
function creates(op: FolderOp, path: string): boolean {
  switch (op.kind) {
    case "write":
    case "append":
    case "truncate":
      return op.path === path || above(path, op.path); // folders are made on the way
    case "editor-save":
      return op.path === path || above(path, op.path) || path.startsWith(`${op.path}.~save`);
    case "mkdir":
      return within(op.path, path);
    case "rename":
      return within(path, op.to) || above(path, op.to);
    case "replace-with-folder":
      return within(path, op.path) || above(path, op.path);
    case "ignore-rule":
      return path === ".syncignore";
    default:
      return false;
  }
}

/**
 * No deletion that no operation asked for: every tombstone on the server is
 * at a path that some operation deleted, moved away or replaced before the
 * server recorded it. A machine that deletes what nobody removed (a
 * receiver that lost track of files it placed) breaks it even when the
 * trees converge and the content comes back, because the files' history
 * went through the trash.
 * @param history The server's versions with their paths ({@link serverHistory}).
 * @param applied Every operation that ran.
 * @returns Violations.
 */
export function unaskedDeletions(history: HistoryEntry[], applied: AppliedOp[]): string[] {
  const ran = applied.filter((a) => a.skipped === null);
  return history
    .filter((e) => e.kind === "delete" && !ran.some((a) => a.at <= e.at && removes(a.op, e.path)))
    .map((e) => `a deletion no operation asked for: ${e.path} (node ${e.nodeId.slice(-8)}, version ${e.version}, event ${e.seq})`);
}

/**
 * No new node that no operation asked for: at each path, the server holds
 * at most as many nodes as operations wrote, made or moved something there
 * (a file deleted and uploaded again as a new node has lost its history),
 * counting the operations that failed half-way.
 * Conflict copies are the agents' own and are checked by
 * {@link conflictCopies}.
 * @param history The server's versions with their paths.
 * @param applied Every operation that ran.
 * @returns Violations.
 */
export function unaskedNodes(history: HistoryEntry[], applied: AppliedOp[]): string[] {
  // Skipped operations count too: one that failed half-way may have left what it made first (the folders a
  // rename made for its target, an editor's temp file it could not rename over a folder).
  const made = new Map<string, number>();
  for (const e of history) if (e.version === 1 && conflictOriginal(e.path) === null) made.set(e.path, (made.get(e.path) ?? 0) + 1);
  const out: string[] = [];
  for (const [path, n] of made) {
    const asked = applied.filter((a) => creates(a.op, path)).length;
    if (n > asked) out.push(`${n} nodes were created at ${path}, where ${asked} operation${asked === 1 ? "" : "s"} wrote, made or moved something`);
  }
  return out;
}
