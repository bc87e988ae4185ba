/**
 * Chunk packs (S6), after restic's packs of content-addressed blobs: a
 * batch upload stores its new small chunks as one object, concatenated in
 * frame order, and each chunk's row points into it (`pack_key`,
 * `pack_offset`, `pack_length`; migration 0009). One durable object per
 * request instead of one per chunk is what lets 50,000 small chunks upload
 * at well over 5,000 chunks/s on a local disk.
 *
 * Invariants:
 * - a pack key is fresh for every pack (random id), so no upload ever
 *   points into an existing pack, and a pack that no live row points into
 *   can never gain one: it is deleted (gc.ts);
 * - a pack's bytes are written once, before any row points into it; a row
 *   means the bytes are stored, as for standalone objects (service.ts).
 */
import { createHash, randomUUID } from "node:crypto";

/** Chunks up to this size go into a pack; larger ones stay standalone objects. */
export const PACK_MAX_CHUNK_BYTES = 256 * 1024;
/** Fewest chunks worth a pack: a lone small chunk stays a standalone object. */
export const MIN_PACK_CHUNKS = 2;
/** Largest pack: a batch request body is at most this long too (batch.ts), so one request makes one pack. */
export const MAX_PACK_BYTES = 32 * 1024 * 1024;

/** Where a packed chunk's bytes are. */
export interface PackRef {
  key: string;
  offset: number;
  length: number;
}

/**
 * A fresh pack's object key: SHA-256 of the vault id and a random pack id,
 * so packs are keyed per vault like chunks (storage-key.ts) and never
 * collide with a chunk's key (another prefix).
 * @param vaultId The owning vault.
 * @returns 64 lowercase hex characters.
 */
export function newPackKey(vaultId: string): string {
  return createHash("sha256").update(`syncagent-pack\0${vaultId}\0${randomUUID()}`).digest("hex");
}

/** One pack to write: its key, its members with their offsets, and the concatenated bytes. */
export interface PackPlan<T> {
  key: string;
  members: { item: T; offset: number; length: number }[];
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Groups chunks, in order, into packs of at most {@link MAX_PACK_BYTES}.
 * @param vaultId The owning vault (for the keys).
 * @param items The chunks to pack, each at most {@link PACK_MAX_CHUNK_BYTES}.
 * @param bytesOf A chunk's bytes.
 * @returns The packs, each with its bytes concatenated.
 */
export function planPacks<T>(vaultId: string, items: readonly T[], bytesOf: (item: T) => Uint8Array): PackPlan<T>[] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = bytesOf(item).byteLength;
    if (current.length > 0 && size + n > MAX_PACK_BYTES) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += n;
  }
  if (current.length > 0) groups.push(current);
  return groups.map((group) => {
    const total = group.reduce((n, item) => n + bytesOf(item).byteLength, 0);
    const bytes = new Uint8Array(total);
    const members: PackPlan<T>["members"] = [];
    let offset = 0;
    for (const item of group) {
      const b = bytesOf(item);
      bytes.set(b, offset);
      members.push({ item, offset, length: b.byteLength });
      offset += b.byteLength;
    }
    return { key: newPackKey(vaultId), members, bytes };
  });
}
