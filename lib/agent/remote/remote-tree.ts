/**
 * The remote tree (A5, A13, C6): what the server's change log says, every
 * record opened and verified before it counts. A record that does not open
 * (altered, swapped, replayed, rolled back, forked) is refused: the node
 * keeps its last verified version, the refusal is kept (across restarts)
 * for `sync` and `status`, and every other node goes on syncing. A refused
 * node is read again from the server's history at every later pull, until
 * its head verifies (or is the version already held): the change log has
 * moved past the refused record, so without this the node would stay
 * behind without a word once the server answered honestly again.
 */
import { fromBase64Url, HistoryGuard, IntegrityError, manifestHash, openNodeRecord, type Keyring, type OpenedNode } from "../../crypto/mod.ts";
import { HistoryGapError, UnknownEpochError } from "../../crypto/errors.ts";
import { ServerError, type HttpTarget } from "../client/http.ts";
import { fetchChanges, fetchSnapshot, fetchVersions, type Change, type SnapshotNode } from "../client/files.ts";
import type { RemoteTreeStore } from "../state/trees.ts";
import { RevisionMap } from "../state/revision-map.ts";
import type { MetaStore } from "../state/meta.ts";
import type { RemoteNode } from "../tree/nodes.ts";

/** A record the agent refused, and why. */
export interface Refusal {
  nodeId: string;
  version: number;
  message: string;
}

/** What one pull learned. */
export interface PullResult {
  /** Nodes whose verified version changed. */
  changed: RemoteNode[];
  /** Records refused in this pull. */
  refused: Refusal[];
  /** The key file changed on the server (a password change or a new epoch): refresh it. */
  keyFileChanged: boolean;
  /** The change log no longer continued from our cursor: the tree was read again from a snapshot. */
  resynced: boolean;
  /** The snapshot had nodes behind what this machine saw, or lost some: the server was restored from an old backup. */
  serverBehind: boolean;
}

interface RecordLike {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: "file" | "dir" | "delete";
  version: number;
  manifest: string;
}

const CURSOR_KEY = "cursor";
/** Where the refusals are kept between runs (a JSON list of {@link Refusal}). */
const REFUSALS_KEY = "refusals";
/**
 * Where the highest version and hash of each node that vanished from the
 * server are kept (JSON: node id → [version, hash]): the tree forgets the
 * node, the history guard does not, so the server cannot bring it back
 * older after a restart (a rollback through a purge it never made).
 */
const VANISHED_KEY = "vanished";

/** A record that is exactly the version this tree holds already (this machine's own commit coming back). */
const ECHO = Symbol("echo");
type Attempt = OpenedNode | Error | typeof ECHO;

function toRemote(opened: OpenedNode): RemoteNode {
  const m = opened.manifest;
  return {
    nodeId: opened.nodeId,
    parentId: opened.parentId,
    name: opened.name,
    kind: m.kind,
    version: opened.version,
    hash: opened.hash,
    content: { size: m.size, mtimeMs: m.mtimeMs, mode: m.mode, chunks: m.chunks, contentHash: m.contentHash },
  };
}

/** The verified remote tree and the cursor it stands at. */
export class RemoteTree {
  /** Node id → newest verified version (counts its changes: see `revision`). */
  readonly nodes: RevisionMap<string, RemoteNode>;
  /** Refused records by node id (cleared when a later version verifies). */
  readonly refusals = new Map<string, Refusal>();
  #cursor: number | null;
  #guard: HistoryGuard;
  /** Refusals this instance has put in a pull's result already: each is reported once per run, not once per pass. */
  readonly #reported = new Set<string>();
  /** Nodes whose record the current pull has read (from the log or the snapshot). */
  #touched = new Set<string>();

  /** Nodes gone from the server's tree: their last verified version and hash (see {@link VANISHED_KEY}). */
  readonly #vanished: Map<string, [number, string]>;

  private constructor(
    private readonly store: RemoteTreeStore,
    private readonly meta: MetaStore,
    private keyring: Keyring,
    nodes: RevisionMap<string, RemoteNode>,
    cursor: number | null,
    refusals: Refusal[],
    vanished: Map<string, [number, string]>,
  ) {
    this.nodes = nodes;
    this.#cursor = cursor;
    this.#vanished = vanished;
    this.#guard = RemoteTree.guardOf(nodes, vanished);
    for (const r of refusals) this.refusals.set(r.nodeId, r);
  }

  private static guardOf(nodes: Map<string, RemoteNode>, vanished: Map<string, [number, string]>): HistoryGuard {
    function* seen(): Generator<[string, number, string]> {
      for (const [id, [version, hash]] of vanished) yield [id, version, hash];
      for (const n of nodes.values()) yield [n.nodeId, n.version, n.hash];
    }
    return HistoryGuard.fromEntries(seen());
  }

  /**
   * Loads the tree and cursor kept from earlier runs.
   * @param store The remote-tree store.
   * @param meta Where the cursor is kept.
   * @param keyring The vault's keyring.
   * @returns The tree.
   */
  static async load(store: RemoteTreeStore, meta: MetaStore, keyring: Keyring): Promise<RemoteTree> {
    const cursor = await meta.get(CURSOR_KEY);
    const refusals = parseRefusals(await meta.get(REFUSALS_KEY));
    const vanished = parseVanished(await meta.get(VANISHED_KEY));
    return new RemoteTree(store, meta, keyring, RevisionMap.of(await store.load()), cursor === undefined || cursor === "" ? null : Number(cursor), refusals, vanished);
  }

  /** Changes to the tree so far: the same number means the same tree. */
  get revision(): number {
    return this.nodes.revision;
  }

  /** The change-log cursor applied (null before the first snapshot). */
  get cursor(): number | null {
    return this.#cursor;
  }

  /**
   * Forgets everything seen from the server: the tree, the history guard,
   * the refusals and the cursor. Only for a re-seed, when the user decided
   * this machine is the truth (the server was restored from an old backup);
   * the next pull reads the server's tree afresh from a snapshot.
   */
  async reset(): Promise<void> {
    this.nodes.clear();
    this.refusals.clear();
    this.#guard = new HistoryGuard();
    this.#cursor = null;
    await this.store.clear();
    await this.meta.set(CURSOR_KEY, "");
    await this.meta.set(REFUSALS_KEY, "[]");
    this.#vanished.clear();
    await this.meta.set(VANISHED_KEY, "{}");
  }

  /**
   * Uses a newer keyring (after the key file gained an epoch).
   * @param keyring The keyring.
   */
  setKeyring(keyring: Keyring): void {
    this.keyring = keyring;
  }

  /**
   * Records what this machine itself just committed, so its own change
   * coming back through the feed is recognised (same version and hash).
   * @param node The node as committed.
   */
  async recordOwn(nodes: RemoteNode[]): Promise<void> {
    for (const node of nodes) {
      const seen = this.nodes.get(node.nodeId);
      if (seen && seen.version >= node.version) continue;
      this.nodes.set(node.nodeId, node);
      this.#guard.accept({ nodeId: node.nodeId, version: node.version, hash: node.hash, previous: seen?.hash ?? "" });
    }
    await this.store.write(nodes);
  }

  /**
   * Pulls the change log from the cursor to the head (a snapshot first when
   * there is no cursor, or the log no longer continues from it).
   * @param target Server and token.
   * @returns What changed.
   */
  async pull(target: HttpTarget): Promise<PullResult> {
    const result: PullResult = { changed: [], refused: [], keyFileChanged: false, resynced: false, serverBehind: false };
    const before = JSON.stringify([...this.refusals.values()]);
    this.#touched = new Set();
    await this.pullRecords(target, result);
    await this.retryRefused(target, result);
    const after = JSON.stringify([...this.refusals.values()]);
    if (after !== before) await this.meta.set(REFUSALS_KEY, after);
    return result;
  }

  private async pullRecords(target: HttpTarget, result: PullResult): Promise<void> {
    if (this.#cursor === null) {
      await this.resync(target, result);
      return;
    }
    for (;;) {
      let page;
      try {
        page = await fetchChanges(target, this.#cursor);
      } catch (error) {
        if (error instanceof ServerError && error.status === 410) {
          await this.resync(target, result);
          return;
        }
        throw error;
      }
      await this.applyChanges(target, page.changes, result);
      this.#cursor = page.next;
      await this.meta.set(CURSOR_KEY, String(page.next));
      if (!page.hasMore) return;
    }
  }

  /**
   * Reads again, from the server's history, the head of every node refused
   * before this pull and not offered by it: applied when it verifies, the
   * refusal dropped when it is the version already held or the node is
   * gone, refused again otherwise.
   */
  private async retryRefused(target: HttpTarget, result: PullResult): Promise<void> {
    const put: RemoteNode[] = [];
    for (const refusal of [...this.refusals.values()]) {
      if (this.#touched.has(refusal.nodeId)) continue;
      const record = await this.headOf(target, refusal.nodeId);
      if (!record) {
        this.refusals.delete(refusal.nodeId);
        continue;
      }
      const attempt = await this.tryOpen(record);
      if (attempt === ECHO) {
        this.refusals.delete(refusal.nodeId);
        continue;
      }
      // Verified: applied (or the version held), and the refusal is dropped; refused again: kept.
      const node = await this.applyOpened(target, record, attempt, result);
      if (node) put.push(node);
    }
    if (put.length > 0) await this.store.write(put);
  }

  private async applyChanges(target: HttpTarget, changes: Change[], result: PullResult): Promise<void> {
    const put: RemoteNode[] = [];
    const remove: string[] = [];
    // Decrypt every record of the page at once (the crypto runs off this thread),
    // then check and apply them in log order: the history guard sees them in order.
    const records = changes.map((c) => (c.type === "FileVersionCommitted" ? (c.payload as unknown as RecordLike) : null));
    const opened = await Promise.all(records.map((r) => (r ? this.tryOpen(r) : Promise.resolve(null))));
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!;
      const record = records[i];
      if (record) {
        const attempt = opened[i]!;
        this.#touched.add(record.nodeId);
        if (attempt === ECHO) {
          // The server serves the version held: a refusal of this node is over.
          this.refusals.delete(record.nodeId);
          continue;
        }
        const node = await this.applyOpened(target, record, attempt, result);
        if (node) put.push(node);
      } else if (change.type === "TrashPurged") {
        // Purged below a deleted folder: kept as tombstones, so a copy still on this disk is
        // deleted like the rest of the folder (a node that merely vanishes is never deleted here).
        const below = (change.payload.below as string[] | undefined) ?? [];
        for (const id of below) {
          const node = this.nodes.get(id);
          if (!node || node.kind === "deleted") continue;
          const tombstone: RemoteNode = { ...node, kind: "deleted", content: { size: 0, mtimeMs: 0, mode: 0, chunks: [], contentHash: "" } };
          this.nodes.set(id, tombstone);
          put.push(tombstone);
        }
      } else if (change.type === "VaultKeyUpdated") {
        result.keyFileChanged = true;
      }
    }
    await this.store.write(put, remove);
  }

  /**
   * True when a record repeats the version this tree holds (same node,
   * version, kind, folder and encrypted manifest — this machine's own commit
   * coming back): nothing of it is used, and the history guard accepted that
   * version when it was first seen or committed here, so it needs no opening
   * (C6 checks everything that could change the tree).
   */
  private async isEcho(record: RecordLike): Promise<boolean> {
    const seen = this.nodes.get(record.nodeId);
    if (!seen || seen.version !== record.version || seen.parentId !== record.parentId) return false;
    if ((record.kind === "delete" ? "deleted" : record.kind) !== seen.kind) return false;
    try {
      return (await manifestHash(fromBase64Url(record.manifest))) === seen.hash;
    } catch {
      return false; // not even base64: opening it refuses it
    }
  }

  private async tryOpen(record: RecordLike): Promise<Attempt> {
    try {
      if (await this.isEcho(record)) return ECHO;
      const opened = await openNodeRecord(this.keyring, record, null);
      this.checkKind(record, opened);
      return opened;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async applyOpened(target: HttpTarget, record: RecordLike, attempt: OpenedNode | Error, result: PullResult): Promise<RemoteNode | null> {
    const seen = this.nodes.get(record.nodeId);
    let opened: OpenedNode;
    try {
      if (attempt instanceof Error) throw attempt;
      this.#guard.check(attempt);
      this.#guard.accept(attempt);
      opened = attempt;
    } catch (error) {
      if (error instanceof HistoryGapError) {
        const chained = await this.closeGap(target, record, result);
        if (!chained) return null;
        opened = chained;
      } else if (error instanceof Error) {
        // An epoch this keyring lacks: the key file gained one; refresh it and read again.
        if (error instanceof UnknownEpochError) result.keyFileChanged = true;
        this.refuse(record, error.message, result);
        return null;
      } else throw error;
    }
    if (seen && seen.version === opened.version) {
      this.refusals.delete(record.nodeId);
      return null; // nothing new (own commit echoed)
    }
    const node = toRemote(opened);
    this.nodes.set(node.nodeId, node);
    this.refusals.delete(node.nodeId);
    result.changed.push(node);
    return node;
  }

  private checkKind(record: RecordLike, opened: OpenedNode): void {
    const expected = record.kind === "delete" ? "deleted" : record.kind;
    if (opened.manifest.kind !== expected) throw new IntegrityError(`Refusing node ${record.nodeId}: the server's kind does not match the manifest`);
  }

  private async closeGap(target: HttpTarget, record: RecordLike, result: PullResult): Promise<OpenedNode | null> {
    const seen = this.nodes.get(record.nodeId);
    try {
      const versions = (await fetchVersions(target, record.nodeId, record.version)).filter((v) => !seen || v.version > seen.version);
      versions.sort((a, b) => a.version - b.version);
      const chain: OpenedNode[] = [];
      for (const v of versions) chain.push(await openNodeRecord(this.keyring, { nodeId: record.nodeId, ...v }, null));
      const head = await openNodeRecord(this.keyring, record, null);
      this.checkKind(record, head);
      chain.push(head);
      this.#guard.acceptChain(chain);
      return head;
    } catch (error) {
      this.refuse(record, (error as Error).message, result);
      return null;
    }
  }

  /** A node's newest version as the server's history serves it; null when it has none (404). */
  private async headOf(target: HttpTarget, nodeId: string): Promise<RecordLike | null> {
    let head;
    try {
      [head] = await fetchVersions(target, nodeId, undefined, 1);
    } catch (error) {
      if (error instanceof ServerError && error.status === 404) return null;
      throw error;
    }
    if (!head) return null;
    return { nodeId, parentId: head.parentId, encName: head.encName, kind: head.kind, version: head.version, manifest: head.manifest };
  }

  private refuse(record: RecordLike, message: string, result: PullResult): void {
    const refusal = { nodeId: record.nodeId, version: record.version, message };
    this.refusals.set(record.nodeId, refusal);
    const key = `${refusal.nodeId}:${refusal.version}:${message}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    result.refused.push(refusal);
  }

  private async resync(target: HttpTarget, result: PullResult): Promise<void> {
    result.resynced = this.#cursor !== null;
    const seenBefore = new Map(this.nodes);
    const inSnapshot = new Set<string>();
    let behind = 0;
    let compared = 0;
    const cursor = await fetchSnapshot(target, async (items: SnapshotNode[]) => {
      const put: RemoteNode[] = [];
      const opened = await Promise.all(items.map((item) => this.tryOpen(item)));
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        inSnapshot.add(item.nodeId);
        const before = seenBefore.get(item.nodeId);
        if (before) {
          compared++;
          if (item.version < before.version) behind++;
        }
        const attempt = opened[i]!;
        this.#touched.add(item.nodeId);
        if (attempt === ECHO) {
          this.refusals.delete(item.nodeId);
          continue;
        }
        const node = await this.applyOpened(target, item, attempt, result);
        if (node) put.push(node);
      }
      await this.store.write(put);
    });
    // Nodes the snapshot no longer has were purged on the server — unless the server still
    // serves their history: then its snapshot left them out (an incomplete listing), and the
    // node stays as verified, its head checked like any record.
    const gone: string[] = [];
    const put: RemoteNode[] = [];
    for (const id of [...this.nodes.keys()].filter((n) => !inSnapshot.has(n) && seenBefore.has(n))) {
      const head = await this.headOf(target, id);
      if (!head) {
        gone.push(id);
        continue;
      }
      this.#touched.add(id);
      const attempt = await this.tryOpen(head);
      const node = attempt === ECHO ? null : await this.applyOpened(target, head, attempt, result);
      if (node) put.push(node);
      if (!result.refused.some((r) => r.nodeId === id)) {
        this.refuse(head, `Refusing the server's snapshot: it leaves out node ${id}, whose history it still serves (an incomplete listing)`, result);
      }
    }
    for (const id of gone) {
      const node = this.nodes.get(id)!;
      this.#vanished.set(id, [node.version, node.hash]);
      this.nodes.delete(id);
    }
    await this.store.write(put, gone);
    if (gone.length > 0) await this.meta.set(VANISHED_KEY, JSON.stringify(Object.fromEntries(this.#vanished)));
    // A node older than seen, or one this machine had and the server lost without a purge:
    // the server's data went back in time (restored from an old backup). Nothing is deleted here for it.
    result.serverBehind = compared > 0 && (behind > 0 || gone.length > 0);
    this.#cursor = cursor;
    await this.meta.set(CURSOR_KEY, String(cursor));
  }
}

/** The refusals kept by an earlier run (none when absent or unreadable). */
function parseRefusals(text: string | undefined): Refusal[] {
  if (!text) return [];
  try {
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (r): r is Refusal =>
        typeof r === "object" && r !== null && typeof (r as Refusal).nodeId === "string" && typeof (r as Refusal).version === "number" && typeof (r as Refusal).message === "string",
    );
  } catch {
    return [];
  }
}

/** The vanished nodes' marks kept by an earlier run (none when absent or unreadable). */
function parseVanished(text: string | undefined): Map<string, [number, string]> {
  const out = new Map<string, [number, string]>();
  if (!text) return out;
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== "object" || json === null) return out;
    for (const [id, mark] of Object.entries(json as Record<string, unknown>)) {
      if (Array.isArray(mark) && typeof mark[0] === "number" && typeof mark[1] === "string") out.set(id, [mark[0], mark[1]]);
    }
  } catch {
    return out;
  }
  return out;
}
