/**
 * What the chunk index's queued writes say, over its stored rows (K3): the
 * newest record or forget of each path, kept up to date one write at a
 * time, so a lookup costs the ids it asks for, not every queued write.
 * Moves are not followed here: the index stores them before a lookup.
 */
import type { ManifestChunk } from "../../crypto/manifest.ts";
import type { FileStamp } from "./file-stamp.ts";

/** Where a chunk's plaintext is on disk. */
export interface ChunkLocation {
  relPath: string;
  offset: number;
  size: number;
  /** The file's stamp when it was recorded. */
  stamp: { size: number; mtimeMs: number; ino: number };
}

/** A queued change to one file of the index. */
export type FileOp = { kind: "record"; relPath: string; chunks: readonly ManifestChunk[]; stamp: FileStamp } | { kind: "forget"; relPath: string };

/** The newest queued change of each path, and the chunk places its records give. */
export class ChunkOverlay {
  /** Path → its newest queued change: the stored rows of these paths no longer count. */
  readonly #latest = new Map<string, FileOp>();
  /** Chunk id → path → the place the path's newest record gives it. */
  readonly #places = new Map<string, Map<string, ChunkLocation>>();

  /**
   * An overlay of changes, oldest first.
   * @param ops The changes.
   * @returns The overlay.
   */
  static of(ops: Iterable<FileOp>): ChunkOverlay {
    const overlay = new ChunkOverlay();
    for (const op of ops) overlay.apply(op);
    return overlay;
  }

  /** Changes held (one per path). */
  get size(): number {
    return this.#latest.size;
  }

  /**
   * Takes a newer change of a path: it replaces what an earlier one said.
   * @param op The change.
   */
  apply(op: FileOp): void {
    const before = this.#latest.get(op.relPath);
    if (before?.kind === "record") {
      for (const c of before.chunks) {
        const at = this.#places.get(c.id);
        if (!at) continue;
        at.delete(op.relPath);
        if (at.size === 0) this.#places.delete(c.id);
      }
    }
    this.#latest.set(op.relPath, op);
    if (op.kind !== "record") return;
    const stamp = { size: op.stamp.size, mtimeMs: op.stamp.mtimeMs, ino: op.stamp.ino };
    let offset = 0;
    for (const c of op.chunks) {
      let at = this.#places.get(c.id);
      if (!at) {
        at = new Map();
        this.#places.set(c.id, at);
      }
      // A chunk repeated in a file: its first place.
      if (!at.has(op.relPath)) at.set(op.relPath, { relPath: op.relPath, offset, size: c.size, stamp });
      offset += c.size;
    }
  }

  /**
   * Whether a path's stored rows are replaced or removed by a queued change.
   * @param relPath The path.
   * @returns True when a change of it is queued.
   */
  touches(relPath: string): boolean {
    return this.#latest.has(relPath);
  }

  /**
   * A place a queued record gives a chunk.
   * @param id The chunk id.
   * @returns One place, or undefined.
   */
  place(id: string): ChunkLocation | undefined {
    // Empty maps are removed: a present one has a place.
    return this.#places.get(id)?.values().next().value;
  }
}
