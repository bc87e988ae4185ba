import { HistoryGapError, IntegrityError } from "./errors.ts";
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
 *  - version N+1 whose `previous` is not the hash of the version N seen;
 *  - version N+2 or later on its own (`HistoryGapError`): nothing links it to
 *    version N, so the agent fetches the versions in between and offers the
 *    whole chain to `acceptChain`, each `previous` naming the one before.
 * Pure and serialisable: the agent persists `toJSON()` and restores it with
 * `fromJSON`. It decides nothing on its own: `check` throws, `accept` checks
 * then records.
 */
function malformedGuard(): TypeError {
  return new TypeError("Cannot restore the history guard: its saved state is malformed");
}

export class HistoryGuard {
  readonly #nodes = new Map<string, { version: number; hash: string }>();

  /**
   * Checks a manifest against what was seen, without recording it.
   * @param entry The node, version, manifest hash and `previous`.
   * @throws IntegrityError on a rollback, a second manifest for a seen version or a broken chain;
   *   HistoryGapError when the version is more than one ahead of the one seen.
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
    if (entry.version > seen.version + 1) throw new HistoryGapError(entry.nodeId, seen.version, entry.version);
  }

  /**
   * Checks a run of versions of one node, oldest first, without recording
   * it: the first is checked as `check` does (so it is the version seen or
   * the one after it, or any version of a node never seen), and each next
   * one must be the following version and name the one before in `previous`.
   * @param entries The versions, oldest first, ending with the head offered.
   * @throws IntegrityError when the run is empty, mixes nodes, skips a version or a link does not hold;
   *   HistoryGapError when it starts more than one version after the one seen.
   */
  checkChain(entries: readonly HistoryEntry[]): void {
    const first = entries[0];
    if (!first) throw new IntegrityError("Refusing an empty chain of versions");
    this.check(first);
    for (let i = 1; i < entries.length; i++) {
      const before = entries[i - 1]!;
      const entry = entries[i]!;
      const node = `Refusing node ${first.nodeId}`;
      if (entry.nodeId !== first.nodeId) throw new IntegrityError(`${node}: the chain mixes versions of another node`);
      if (entry.version !== before.version + 1) {
        throw new IntegrityError(`${node}: the chain goes from version ${before.version} to version ${entry.version}, skipping or repeating versions`);
      }
      if (entry.previous !== before.hash) throw new IntegrityError(`${node}: version ${entry.version} does not follow version ${before.version} of the chain`);
    }
  }

  /**
   * Checks a run of versions as `checkChain` does, then records its last one
   * (the head) when it is newer than what was seen.
   * @param entries The versions, oldest first, ending with the head offered.
   * @throws IntegrityError or HistoryGapError as `checkChain` does; nothing is recorded then.
   */
  acceptChain(entries: readonly HistoryEntry[]): void {
    this.checkChain(entries);
    this.#record(entries[entries.length - 1]!);
  }

  /**
   * Checks a manifest, then records it when it is newer than what was seen.
   * @param entry The node, version, manifest hash and `previous`.
   * @throws IntegrityError (or HistoryGapError) as `check` does; nothing is recorded then.
   */
  accept(entry: HistoryEntry): void {
    this.check(entry);
    this.#record(entry);
  }

  #record(entry: HistoryEntry): void {
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
    if (typeof value !== "object" || value === null || (value as HistoryGuardJSON).format !== 1) throw malformedGuard();
    const nodes = (value as HistoryGuardJSON).nodes;
    if (typeof nodes !== "object" || nodes === null) throw malformedGuard();
    return HistoryGuard.fromEntries(Object.entries(nodes).map(([id, entry]) => (Array.isArray(entry) && entry.length === 2 ? [id, entry[0], entry[1]] : [id, NaN, ""])));
  }

  /**
   * A guard that has seen these versions, checked as `fromJSON` checks them,
   * without building the JSON first (an agent's tree of many thousand nodes).
   * A node given twice keeps its last entry.
   * @param entries Node id, version and manifest hash of each node seen.
   * @returns The guard.
   * @throws TypeError when an entry is malformed.
   */
  static fromEntries(entries: Iterable<readonly [string, number, string]>): HistoryGuard {
    const guard = new HistoryGuard();
    for (const [id, version, hash] of entries) {
      if (!isNodeId(id) || !Number.isSafeInteger(version) || version < 1 || typeof hash !== "string" || !HEX64.test(hash)) throw malformedGuard();
      guard.#nodes.set(id, { version, hash });
    }
    return guard;
  }
}
