import { IntegrityError } from "./errors.ts";
import { isNodeId } from "./node-id.ts";

const HEX64 = /^[0-9a-f]{64}$/;

/** One authentic manifest as the history guard sees it. */
export interface HistoryEntry {
  /** The node id. */
  nodeId: string;
  /** Its version number. */
  version: number;
  /** SHA-256 hex of the encrypted manifest (`manifestHash`). */
  hash: string;
  /** The `previous` field of the decrypted manifest ("" for version 1). */
  previous: string;
}

/** What the guard persists: node id → [highest version seen, its manifest hash]. */
export interface HistoryGuardJSON {
  format: 1;
  nodes: Record<string, [number, string]>;
}

/**
 * Per-node history check (rules 4 and 8): remembers, for each node, the
 * highest version seen and the hash of its encrypted manifest, and refuses
 *  - an older version after a newer one was seen (rollback);
 *  - a second, different authentic manifest for a version already seen (a
 *    refused conflict loser served as the head, or a fork);
 *  - version N+1 whose `previous` is not the hash of the version N seen.
 * Pure and serialisable: the agent persists `toJSON()` and restores it with
 * `fromJSON`. It decides nothing on its own: `check` throws, `accept` checks
 * then records.
 */
export class HistoryGuard {
  readonly #nodes = new Map<string, { version: number; hash: string }>();

  /**
   * Checks a manifest against what was seen, without recording it.
   * @param entry The node, version, manifest hash and `previous`.
   * @throws IntegrityError on a rollback, a second manifest for a seen version or a broken chain.
   */
  check(entry: HistoryEntry): void {
    const seen = this.#nodes.get(entry.nodeId);
    if (!seen) return;
    const node = `Refusing node ${entry.nodeId}`;
    if (entry.version < seen.version) {
      throw new IntegrityError(`${node}: the server offers version ${entry.version}, older than version ${seen.version} already seen (a rollback)`);
    }
    if (entry.version === seen.version && entry.hash !== seen.hash) {
      throw new IntegrityError(`${node}: the server offers a second, different manifest for version ${entry.version}, already seen`);
    }
    if (entry.version === seen.version + 1 && entry.previous !== seen.hash) {
      throw new IntegrityError(`${node}: version ${entry.version} does not follow the version ${seen.version} already seen`);
    }
  }

  /**
   * Checks a manifest, then records it when it is newer than what was seen.
   * @param entry The node, version, manifest hash and `previous`.
   * @throws IntegrityError as `check` does; nothing is recorded then.
   */
  accept(entry: HistoryEntry): void {
    this.check(entry);
    const seen = this.#nodes.get(entry.nodeId);
    if (!seen || entry.version > seen.version) this.#nodes.set(entry.nodeId, { version: entry.version, hash: entry.hash });
  }

  /**
   * The highest version seen of a node.
   * @param nodeId The node.
   * @returns Its version and manifest hash, or `undefined` when never seen.
   */
  seen(nodeId: string): { version: number; hash: string } | undefined {
    const entry = this.#nodes.get(nodeId);
    return entry ? { ...entry } : undefined;
  }

  /**
   * The state to persist.
   * @returns A JSON-safe object.
   */
  toJSON(): HistoryGuardJSON {
    const nodes: Record<string, [number, string]> = {};
    for (const [id, { version, hash }] of [...this.#nodes].sort(([a], [b]) => (a < b ? -1 : 1))) nodes[id] = [version, hash];
    return { format: 1, nodes };
  }

  /**
   * Restores a guard from `toJSON()` output (or its JSON text).
   * @param json The persisted state.
   * @returns The guard.
   * @throws TypeError when the state is malformed.
   */
  static fromJSON(json: unknown): HistoryGuard {
    const value: unknown = typeof json === "string" ? JSON.parse(json) : json;
    const bad = () => new TypeError("Cannot restore the history guard: its saved state is malformed");
    if (typeof value !== "object" || value === null || (value as HistoryGuardJSON).format !== 1) throw bad();
    const nodes = (value as HistoryGuardJSON).nodes;
    if (typeof nodes !== "object" || nodes === null) throw bad();
    const guard = new HistoryGuard();
    for (const [id, entry] of Object.entries(nodes)) {
      if (!isNodeId(id) || !Array.isArray(entry) || entry.length !== 2) throw bad();
      const [version, hash] = entry;
      if (!Number.isSafeInteger(version) || version < 1 || typeof hash !== "string" || !HEX64.test(hash)) throw bad();
      guard.#nodes.set(id, { version, hash });
    }
    return guard;
  }
}
