/**
 * The trash for the pages (S5): its entries as the server lists them, and,
 * unlocked, each one's name, real size and deleting machine read from the
 * authenticated tombstone and the version before it. A restore is sealed
 * here, as an agent seals one: two manifests of the next version, one for
 * the original place and one for a sibling copy ("report (restored).txt")
 * for when that place is taken; when the folder itself is gone the copy
 * goes to the top of the vault.
 */
import type { NodeManifest, OpenedNode, UnlockedVault } from "../lib/crypto/mod.ts";
import { ROOT_NODE_ID } from "../lib/crypto/node-id.ts";
import { api, ApiError } from "./api.ts";
import { restoredName } from "./restored-name.ts";
import { loadCrypto } from "./vault.ts";
import { chunkIds, fetchVersions, newOpId, openVersions } from "./versions.ts";

/** A trash entry as the server lists it. */
export interface TrashItem {
  nodeId: string;
  deletedVersion: number;
  liveVersion: number;
  parentId: string;
  encName: string;
  kind: "file" | "dir";
  size: number;
  deletedAt: number;
  deletedBy: string | null;
  restoresTo: "original" | "alternative";
}

/** An entry with what the tab could read of it. */
export interface TrashRow {
  item: TrashItem;
  /** The name when it was deleted; null while locked or when it does not verify. */
  name: string | null;
  /** The tombstone and the version it deleted, opened (needed to restore). */
  tombstone: OpenedNode | null;
  live: OpenedNode | null;
  damaged: boolean;
}

/** A page of the trash. */
export interface TrashPage {
  rows: TrashRow[];
  nextCursor: string | null;
  retentionDays: number;
}

/** Opens at most this many entries' versions at once. */
const PARALLEL = 8;

async function openEntry(vault: UnlockedVault, item: TrashItem): Promise<TrashRow> {
  try {
    const page = await fetchVersions(item.nodeId, item.deletedVersion + 1, item.deletedVersion - item.liveVersion + 1);
    let items = page.versions.filter((v) => v.version === item.deletedVersion || v.version === item.liveVersion);
    if (!items.some((v) => v.version === item.liveVersion)) items = [...items, ...(await fetchVersions(item.nodeId, item.liveVersion + 1, 1)).versions];
    const opened = await openVersions(vault, item.nodeId, items);
    const tombstone = opened.find((v) => v.item.version === item.deletedVersion)?.opened ?? null;
    const live = opened.find((v) => v.item.version === item.liveVersion)?.opened ?? null;
    const ok = tombstone !== null && live !== null && tombstone.manifest.kind === "deleted" && tombstone.parentId === item.parentId;
    return { item, name: ok ? tombstone.name : null, tombstone: ok ? tombstone : null, live: ok ? live : null, damaged: !ok };
  } catch {
    return { item, name: null, tombstone: null, live: null, damaged: true };
  }
}

/**
 * Lists one page of the trash, most recent deletion first, opened when the vault is unlocked.
 * @param vault The unlocked vault, or null while locked.
 * @param cursor The previous page's `nextCursor` (omit for the first).
 * @returns The page.
 */
export async function listTrash(vault: UnlockedVault | null, cursor?: string): Promise<TrashPage> {
  const page = await api<{ items: TrashItem[]; nextCursor: string | null; retentionDays: number }>(`/api/trash?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  const rows: TrashRow[] = new Array<TrashRow>(page.items.length);
  if (!vault) page.items.forEach((item, i) => (rows[i] = { item, name: null, tombstone: null, live: null, damaged: false }));
  else {
    let next = 0;
    const worker = async () => {
      while (next < page.items.length) {
        const i = next++;
        rows[i] = await openEntry(vault, page.items[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, page.items.length) }, worker));
  }
  return { rows, nextCursor: page.nextCursor, retentionDays: page.retentionDays };
}

/** What a restore did. */
export interface TrashRestored {
  used: "original" | "alternative";
  /** The name it came back under. */
  name: string;
  /** Whether it went to the top of the vault because its folder is gone. */
  toTop: boolean;
}

/** Why a restore was refused, for a person. */
export class RestoreRefused extends Error {
  override name = "RestoreRefused";
}

interface RestoreAnswer {
  used: "original" | "alternative";
  result: { status: string; message?: string };
}

/**
 * Restores an opened entry: at its original place when it is free, else as a sibling copy (or at the top when its folder is gone).
 * @param vault The unlocked vault.
 * @param row The entry, opened.
 * @returns Where it went and under which name.
 * @throws RestoreRefused when the node changed since, or no place could take it.
 */
export async function restoreFromTrash(vault: UnlockedVault, row: TrashRow): Promise<TrashRestored> {
  const { sealNodeRecord, toBase64Url } = await loadCrypto();
  const { tombstone, live, item } = row;
  if (!tombstone || !live) throw new RestoreRefused("This entry does not verify: it cannot be restored from here");
  const version = item.deletedVersion + 1;
  const base: NodeManifest = { ...live.manifest, previous: tombstone.hash, machineId: "" };
  const original = await sealNodeRecord(vault.keyring.current, { nodeId: item.nodeId, version }, { ...base, parentId: tombstone.parentId, name: tombstone.name });
  let parentId = tombstone.parentId;
  for (let attempt = 1; attempt <= 20; attempt++) {
    const name = restoredName(tombstone.name, attempt, item.kind);
    const alternative = await sealNodeRecord(vault.keyring.current, { nodeId: item.nodeId, version }, { ...base, parentId, name });
    let answer: RestoreAnswer;
    try {
      answer = await api<RestoreAnswer>("/api/trash/restore", {
        method: "POST",
        body: {
          opId: newOpId(),
          nodeId: item.nodeId,
          deletedVersion: item.deletedVersion,
          chunks: chunkIds(live.manifest),
          original: { manifest: toBase64Url(original.manifest) },
          alternative: { parentId, encName: alternative.encName, manifest: toBase64Url(alternative.manifest) },
        },
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404) throw new RestoreRefused("It is no longer in the trash: restored or purged meanwhile");
      const refused = error.body as RestoreAnswer | undefined;
      const status = error.status === 409 ? refused?.result?.status : undefined;
      if (status === "name_taken") continue;
      if (status === "parent_not_live" && parentId !== ROOT_NODE_ID) {
        parentId = ROOT_NODE_ID;
        attempt = 0;
        continue;
      }
      if (status === "conflict") throw new RestoreRefused("It changed since it was deleted (on another machine): the trash is listed again");
      throw error;
    }
    return answer.used === "original" ? { used: "original", name: tombstone.name, toTop: false } : { used: "alternative", name, toTop: parentId !== tombstone.parentId };
  }
  throw new RestoreRefused("Every restored name tried is taken in that folder: rename the copies there, then restore again");
}

/**
 * Purges the whole trash now (admin; the caller re-authenticates first when asked).
 * @returns What the server removed.
 */
export async function purgeTrash(): Promise<{ entriesPurged: number; bytesFreed: number }> {
  return api<{ entriesPurged: number; bytesFreed: number }>("/api/admin/purge-trash", { method: "POST", body: { olderThanDays: 0 } });
}
