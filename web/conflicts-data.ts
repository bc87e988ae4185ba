/**
 * Conflicts as the dashboard resolves them. On disk and at the server a
 * conflict is two nodes in one folder (lib/agent/engine/executor.ts): the
 * file, whose head is the version the server took first, and the conflict
 * copy, a node of its own named `name.conflict-YYYYMMDD-HHMMSS-<machine>.ext`
 * (lib/agent/conflicts/conflict-name.ts) holding the version of the
 * machine that lost the race; the report names the file's node. Resolving
 * does what an agent would, with commits sealed in this tab: keep the
 * file (the copy's node is deleted, to the trash), keep the copy (its
 * content becomes the file's next version and the copy's node is deleted,
 * in one atomic commit) or keep both (nothing changes); then the conflict
 * is marked resolved.
 */
import { isConflictCopyName } from "../lib/agent/conflicts/conflict-name.ts";
import type { NodeManifest } from "../lib/crypto/mod.ts";
import { api, ApiError } from "./api.ts";
import { headVersion, openVersion } from "./node-names.ts";
import { listFolder, loadCrypto, vaultState, type Entry } from "./vault.ts";

/** A conflict as `GET /api/conflicts` lists it. */
export interface Conflict {
  id: string;
  machineId: string;
  nodeId: string;
  reportId: string | null;
  agentTs: number | null;
  ts: number;
  state: "open" | "resolved";
  resolvedAt: number | null;
  /** Every report of this file's conflict (the newest first): one file, one row, resolved together. */
  ids?: string[];
}

/** One side of a conflict, opened in the tab. */
export interface ConflictSide {
  nodeId: string;
  parentId: string;
  version: number;
  name: string;
  manifest: NodeManifest;
  /** The manifest's hash: the next version's `previous`. */
  hash: string;
}

/** Both sides: the file (its head) and its conflict copy (null once gone). */
export interface ConflictSides {
  file: ConflictSide;
  copy: ConflictSide | null;
}

/** What to keep. */
export type Choice = "file" | "copy" | "both";

/**
 * Lists conflicts, newest first.
 * @param state Open or resolved ones.
 * @returns The conflicts.
 */
export async function listConflicts(state: "open" | "resolved"): Promise<Conflict[]> {
  const { conflicts } = await api<{ conflicts: Conflict[] }>(`/api/conflicts?state=${state}&limit=200`);
  return groupConflicts(conflicts);
}

/**
 * One row per file: a file may be reported more than once (both machines,
 * or a report sent again), and what is on the server decides the choice,
 * so its open reports are shown and resolved as one; resolved ones are one
 * row when resolved together (within a few seconds).
 * @param conflicts The conflicts, newest first.
 * @returns The rows, each with every id it stands for.
 */
export function groupConflicts(conflicts: Conflict[]): Conflict[] {
  const rows: Conflict[] = [];
  for (const c of conflicts) {
    const same = rows.find((r) => r.nodeId === c.nodeId && r.state === c.state && (c.state === "open" || Math.abs((r.resolvedAt ?? 0) - (c.resolvedAt ?? 0)) < 5000));
    if (same) same.ids = [...(same.ids ?? [same.id]), c.id];
    else rows.push({ ...c, ids: [c.id] });
  }
  return rows;
}

/**
 * Whether `candidate` names a conflict copy of `name`.
 * @param name The file's name.
 * @param candidate Another name in its folder.
 * @returns True for the copy's name.
 */
export function isCopyOf(name: string, candidate: string): boolean {
  if (!isConflictCopyName(candidate)) return false;
  const dot = name.lastIndexOf(".");
  const hasExt = dot > 0 && dot < name.length - 1;
  const stem = hasExt ? name.slice(0, dot) : name;
  const ext = hasExt ? name.slice(dot) : "";
  return candidate.length > stem.length + ext.length && candidate.startsWith(stem + ".conflict-") && candidate.endsWith(ext);
}

/**
 * Finds a conflict's two sides: the file's head, and among its folder's
 * files the conflict copy, preferring one written by the machine that
 * reported, the nearest in time to the report.
 * @param conflict The conflict.
 * @param folders Folder listings already made for other conflicts, by folder id (filled here).
 * @returns The sides, or null when the file is gone.
 * @throws Error when the vault is locked.
 */
export async function findSides(conflict: Conflict, folders = new Map<string, Promise<Entry[]>>()): Promise<ConflictSides | null> {
  const head = await headVersion(conflict.nodeId);
  if (!head || head.kind !== "file") return null;
  const opened = await openVersion(conflict.nodeId, head);
  const file: ConflictSide = { nodeId: conflict.nodeId, parentId: opened.parentId, version: opened.version, name: opened.name, manifest: opened.manifest, hash: opened.hash };
  const when = conflict.agentTs ?? conflict.ts;
  let listing = folders.get(opened.parentId);
  if (!listing) {
    listing = listFolder(opened.parentId);
    folders.set(opened.parentId, listing);
  }
  const copies = (await listing)
    .filter((e) => e.kind === "file" && e.name !== null && e.nodeId !== file.nodeId && isCopyOf(file.name, e.name))
    .sort((a, b) => Number(b.manifest?.machineId === conflict.machineId) - Number(a.manifest?.machineId === conflict.machineId) || Math.abs(a.modifiedAt - when) - Math.abs(b.modifiedAt - when));
  const found = copies[0];
  if (!found) return { file, copy: null };
  const copyHead = await headVersion(found.nodeId);
  if (!copyHead) return { file, copy: null };
  const c = await openVersion(found.nodeId, copyHead);
  return { file, copy: { nodeId: c.nodeId, parentId: c.parentId, version: c.version, name: c.name, manifest: c.manifest, hash: c.hash } };
}

function opId(toHex: (b: Uint8Array) => string, randomBytes: (n: number) => Uint8Array): string {
  return "web-" + toHex(randomBytes(16));
}

/**
 * Carries a choice out and marks the conflict resolved.
 * @param conflict The conflict.
 * @param sides Its sides as shown.
 * @param choice What to keep.
 * @returns Nothing; throws when the server refuses (the file changed since: show it again).
 */
export async function resolveConflict(conflict: Conflict, sides: ConflictSides, choice: Choice): Promise<void> {
  const state = vaultState.get();
  if (state.state !== "unlocked") throw new Error("Unlock the vault to resolve a conflict");
  const copy = sides.copy;
  if (choice !== "both" && copy) {
    const { contentHash, sealNodeRecord, toBase64Url, toHex, randomBytes } = await loadCrypto();
    const keys = state.vault.keyring.current;
    const items: unknown[] = [];
    if (choice === "copy") {
      const m = copy.manifest;
      const manifest: NodeManifest = {
        kind: "file",
        name: sides.file.name,
        parentId: sides.file.parentId,
        size: m.size,
        mtimeMs: m.mtimeMs,
        mode: m.mode,
        chunks: m.chunks,
        contentHash: await contentHash(keys, m.size, m.chunks),
        previous: sides.file.hash,
        machineId: "",
      };
      const sealed = await sealNodeRecord(keys, { nodeId: sides.file.nodeId, version: sides.file.version + 1 }, manifest);
      items.push({ opId: opId(toHex, randomBytes), nodeId: sides.file.nodeId, parentId: sealed.parentId, baseVersion: sides.file.version, kind: "file", encName: sealed.encName, manifest: toBase64Url(sealed.manifest), chunks: m.chunks.map((c) => c.id) });
    }
    const tombstone: NodeManifest = { kind: "deleted", name: copy.name, parentId: copy.parentId, size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "", previous: copy.hash, machineId: "" };
    const sealed = await sealNodeRecord(keys, { nodeId: copy.nodeId, version: copy.version + 1 }, tombstone);
    items.push({ opId: opId(toHex, randomBytes), nodeId: copy.nodeId, parentId: sealed.parentId, baseVersion: copy.version, kind: "delete", encName: sealed.encName, manifest: toBase64Url(sealed.manifest) });
    const { results } = await api<{ results: { status: string; message?: string }[] }>("/api/commits", { method: "POST", body: { items, atomic: true } });
    const failed = results.find((r) => r.status !== "ok");
    if (failed) throw new Error(failed.status === "conflict" ? "The file changed since it was shown: look at it again" : `The server refused the change (${failed.status})`);
  }
  for (const id of conflict.ids ?? [conflict.id]) {
    try {
      await api(`/api/conflicts/${id}/resolve`, { method: "POST" });
    } catch (error) {
      // Resolved meanwhile (by another tab or machine): nothing left to do for it.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
}
