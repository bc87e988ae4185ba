/**
 * Tree checkpoints on this machine (C6, Q1): after each pull the agent
 * checks its verified remote tree against the newest checkpoint another
 * machine published that it has read the log as far as, and once a pass
 * settles (nothing left to do) it publishes its own when its tree changed.
 * A fresh machine is the one this protects most: it has no history of its
 * own, so a server that hides whole files or deletions from it is caught
 * only here.
 *
 * Never fatal to syncing: a server that cannot be reached, or an older one
 * without the routes, only delays the check to the next pass. A difference
 * is kept (`problem`) and shown by `sync` and `status`; the nodes it
 * concerns (`suspects`) are left alone by the planner, and while there is
 * one this machine publishes nothing, so it never vouches for a tree
 * another machine's checkpoint contradicts.
 */
import { checkpointHash, encodeCheckpoint, openCheckpoint, sealEncoded, sortEntries, treeDigest, type Checkpoint, type CheckpointEntry } from "../../crypto/checkpoint.ts";
import { IntegrityError } from "../../crypto/errors.ts";
import type { Keyring } from "../../crypto/keyring.ts";
import { fetchCheckpoint, listCheckpoints, publishCheckpoint, type CheckpointListing } from "../client/checkpoints.ts";
import type { HttpTarget } from "../client/http.ts";
import type { MetaStore } from "../state/meta.ts";
import type { RemoteNode } from "../tree/nodes.ts";
import { checkAgainstCheckpoint, describeFailure, newestApplicable, type CheckpointCheck } from "./verify.ts";

const OWN_KEY = "checkpoint.own";
/** `<cursor> <machine:number,…>` of the last check that passed. */
const PASSED_KEY = "checkpoint.passed";

/** This machine's last published checkpoint, kept in the state database. */
interface OwnState {
  number: number;
  hash: string;
  /** SHA-256 of the entries and cursor it listed (`treeDigest`): unchanged means nothing to publish. */
  digest: string;
  /** The cursor it was last found current at. */
  cursor: number;
}

/** What one check found. */
export interface CheckpointOutcome {
  /** The check that ran, with the writer's machine id (absent when no checkpoint applied). */
  checked?: { machineId: string; number: number; result: CheckpointCheck };
  /** Why checking could not be done now (the server unreachable…): retried at the next pass. */
  deferred?: string;
}

/** How a {@link CheckpointKeeper} works. */
export interface CheckpointKeeperOptions {
  /** This machine's id (the server's machine id). */
  machineId: string;
  meta: MetaStore;
  /** Least time between two publications of the long-running agent, ms. @default 10000 */
  publishEveryMs?: number;
  /** Least time between two readings of the server's checkpoint list, ms. @default 2000 */
  listEveryMs?: number;
  /** Clock, ms. @default Date.now */
  now?: () => number;
}

/**
 * The machine's tree entries in checkpoint order.
 * @param nodes The verified remote tree.
 * @returns Sorted entries.
 */
export function entriesOf(nodes: ReadonlyMap<string, RemoteNode>): CheckpointEntry[] {
  const out: CheckpointEntry[] = [];
  for (const n of nodes.values()) out.push({ nodeId: n.nodeId, parentId: n.parentId, version: n.version, hash: n.hash, kind: kindOf(n) });
  return sortEntries(out);
}

function kindOf(n: RemoteNode): CheckpointEntry["kind"] {
  return n.kind === "deleted" ? "delete" : n.kind;
}

/** Checks and publishes tree checkpoints for one machine. */
export class CheckpointKeeper {
  readonly #options: CheckpointKeeperOptions;
  /** Opened checkpoints of other machines, by machine id (a number already read is not fetched again). */
  readonly #seen = new Map<string, Checkpoint>();
  #problem: string | null = null;
  #suspects = new Set<string>();
  #lastPublishAt = -Infinity;
  #lastListAt = -Infinity;
  /** The other machines' newest checkpoints, as last listed. */
  #listing: CheckpointListing[] | null = null;
  /** This machine's entry in the last listing. */
  #stored = 0;

  /**
   * @param options Machine id, state and tuning.
   */
  constructor(options: CheckpointKeeperOptions) {
    this.#options = options;
  }

  /** The difference the last check found, as a message naming no file; null when none. */
  get problem(): string | null {
    return this.#problem;
  }

  /** Node ids whose version here contradicts the checkpoint (behind or forked): leave their paths alone. The same object while its contents stay the same. */
  get suspects(): ReadonlySet<string> {
    return this.#suspects;
  }

  /**
   * Forgets this machine's own chain and any problem found (a re-seed: the
   * user made this machine the truth for a server restored from an old
   * backup, which holds an older checkpoint of it). The next publication
   * continues from whatever checkpoint of this machine the server holds.
   */
  async reset(): Promise<void> {
    await this.#options.meta.set(OWN_KEY, "");
    await this.#options.meta.set(PASSED_KEY, "");
    this.#listing = null;
    this.#problem = null;
    this.#suspects = new Set();
    this.#lastListAt = -Infinity;
  }

  /**
   * Checks the tree against the newest checkpoint of another machine that
   * this one has read the log as far as. Runs after each pull, before
   * anything is planned, so a node the check contradicts is never written.
   * @param target Server and token.
   * @param keyring The vault's keys.
   * @param nodes The verified remote tree.
   * @param cursor The change-log cursor it stands at.
   * @returns What was checked.
   */
  async check(target: HttpTarget, keyring: Keyring, nodes: ReadonlyMap<string, RemoteNode>, cursor: number): Promise<CheckpointOutcome> {
    const now = (this.#options.now ?? Date.now)();
    const outcome: CheckpointOutcome = {};
    const suspects = new Set<string>();
    // The set is replaced only when it changes: the engine compares it by identity to know a plan's inputs changed.
    const settle = () => {
      if (suspects.size !== this.#suspects.size || [...suspects].some((id) => !this.#suspects.has(id))) this.#suspects = suspects;
    };
    try {
      if (this.#listing === null || now - this.#lastListAt >= (this.#options.listEveryMs ?? 2000)) {
        const listing = await listCheckpoints(target);
        this.#lastListAt = now;
        this.#stored = listing.find((l) => l.machineId === this.#options.machineId)?.number ?? 0;
        this.#listing = listing.filter((l) => l.machineId !== this.#options.machineId);
      }
      const own = await this.#own();
      if (own && this.#stored < own.number) {
        this.#problem = `Integrity: the server holds this machine's checkpoint ${this.#stored || "none"}, older than the ${own.number} it published: it lost or rolled back data`;
        return outcome;
      }
      // The same cursor and the same checkpoints as a check that passed: the same answer (versions here only go up).
      const signature = this.#listing.map((l) => `${l.machineId}:${l.number}`).sort().join(",");
      const passed = await this.#options.meta.get(PASSED_KEY);
      if (passed === `${cursor} ${signature}`) {
        this.#problem = null;
        settle();
        return outcome;
      }
      await this.#fetchNew(target, keyring);
      const reference = newestApplicable([...this.#seen.values()], cursor);
      this.#problem = null;
      if (reference) {
        const result = checkAgainstCheckpoint(reference, cursor, (id) => {
          const n = nodes.get(id);
          return n ? { version: n.version, hash: n.hash, kind: kindOf(n) } : undefined;
        });
        outcome.checked = { machineId: reference.machineId, number: reference.number, result };
        if (result.status === "failed") {
          this.#problem = describeFailure(result, `machine ${reference.machineId.slice(0, 12)}`);
          // Every finding, not only the ones kept for the message.
          for (const e of reference.entries) {
            const n = nodes.get(e.nodeId);
            if (n && (n.version < e.version || (n.version === e.version && n.hash !== e.hash))) suspects.add(e.nodeId);
          }
        }
      }
      if (this.#problem === null) await this.#options.meta.set(PASSED_KEY, `${cursor} ${signature}`);
      settle();
      return outcome;
    } catch (error) {
      if (error instanceof IntegrityError) {
        this.#problem = `Integrity: a checkpoint the server handed out does not open: ${error.message}`;
        return outcome;
      }
      return { deferred: (error as Error).message };
    }
  }

  /**
   * Publishes this machine's checkpoint after a pass that left nothing to
   * do, when its tree changed since the last one and no check failed.
   * @param target Server and token.
   * @param keyring The vault's keys.
   * @param nodes The verified remote tree (exactly the tree at `cursor` once settled).
   * @param cursor The change-log cursor.
   * @returns The number published, or undefined (nothing new, too soon, a problem, or the server unreachable).
   */
  async publish(target: HttpTarget, keyring: Keyring, nodes: ReadonlyMap<string, RemoteNode>, cursor: number): Promise<number | undefined> {
    const now = (this.#options.now ?? Date.now)();
    if (this.#problem !== null || now - this.#lastPublishAt < (this.#options.publishEveryMs ?? 10_000)) return undefined;
    try {
      const published = await this.#publish(target, keyring, nodes, cursor, await this.#own());
      if (published !== undefined) this.#lastPublishAt = now;
      return published;
    } catch {
      // Unreachable or refused: the next settled pass tries again.
      return undefined;
    }
  }

  /** Opens each listed checkpoint of another machine that is new since it was last read. */
  async #fetchNew(target: HttpTarget, keyring: Keyring): Promise<void> {
    for (const l of this.#listing ?? []) {
      const cached = this.#seen.get(l.machineId);
      if (cached && cached.number === l.number) continue;
      const got = await fetchCheckpoint(target, l.machineId);
      if (!got) continue;
      const opened = await openCheckpoint(keyring, got.sealed, { machineId: l.machineId, number: got.number });
      if (cached && opened.number < cached.number) {
        throw new IntegrityError(`checkpoint ${opened.number} of machine ${l.machineId.slice(0, 12)} is older than the ${cached.number} seen before`);
      }
      this.#seen.set(l.machineId, opened);
    }
  }

  async #own(): Promise<OwnState | undefined> {
    const raw = await this.#options.meta.get(OWN_KEY);
    return raw ? (JSON.parse(raw) as OwnState) : undefined;
  }

  /** Publishes when the tree changed since the last one; returns the number published. */
  async #publish(target: HttpTarget, keyring: Keyring, nodes: ReadonlyMap<string, RemoteNode>, cursor: number, own: OwnState | undefined): Promise<number | undefined> {
    const stored = this.#stored;
    // Settled at the cursor of the last publication: the same tree (it is what the log says up to there).
    if (own && own.cursor === cursor && stored === own.number) return undefined;
    let base = own;
    if (stored > (own?.number ?? 0)) {
      // This machine's state was lost or restored: continue the chain the server holds, once it opens as ours.
      const got = await fetchCheckpoint(target, this.#options.machineId);
      if (got) {
        await openCheckpoint(keyring, got.sealed, { machineId: this.#options.machineId, number: got.number });
        base = { number: got.number, hash: await checkpointHash(got.sealed), digest: "", cursor: -1 };
      }
    }
    const number = (base?.number ?? 0) + 1;
    const plain = encodeCheckpoint({
      machineId: this.#options.machineId,
      number,
      previous: base ? base.hash : null,
      cursor,
      createdAt: (this.#options.now ?? Date.now)(),
      entries: entriesOf(nodes),
    });
    const digest = await treeDigest(plain);
    if (own && own.digest === digest && stored === own.number) {
      await this.#options.meta.set(OWN_KEY, JSON.stringify({ ...own, cursor } satisfies OwnState));
      return undefined;
    }
    const { sealed, hash } = await sealEncoded(keyring.current, this.#options.machineId, number, plain);
    const result = await publishCheckpoint(target, number, sealed);
    if (!result.stored) {
      // Another copy of this machine's state published meanwhile: continue from the server's at the next try.
      this.#stored = result.current;
      return undefined;
    }
    this.#stored = number;
    await this.#options.meta.set(OWN_KEY, JSON.stringify({ number, hash, digest, cursor } satisfies OwnState));
    return number;
  }
}
