/**
 * Persistence of the remote and synced trees (A5): one row per node, loaded
 * whole at start (the planner works in memory), both trees from one
 * snapshot, and written in batches: one write is one transaction of a few
 * multi-row statements, so a crash keeps all of it or none.
 */
import type { Client, ResultSet } from "@libsql/client";
import type { Content, LocalStamp, RemoteNode, SyncedNode } from "../tree/nodes.ts";
import { str } from "../../db/row.ts";
import { deleteKeys, insertRows } from "./bulk.ts";
import type { StateSchema } from "./db.ts";
import { RevisionMap } from "./revision-map.ts";

/** Tables of the two trees. */
export const TREES_SCHEMA: StateSchema = [
  `CREATE TABLE IF NOT EXISTS remote_nodes (
     node_id TEXT PRIMARY KEY, parent_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
     version INTEGER NOT NULL, hash TEXT NOT NULL, content TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS synced_nodes (
     node_id TEXT PRIMARY KEY, parent_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
     version INTEGER NOT NULL, hash TEXT NOT NULL, content TEXT NOT NULL, stamp TEXT NOT NULL)`,
];

/**
 * The rows of a table as one JSON text, parsed at once: far cheaper than a
 * result row object per node. Each node is a flat run of values: an array
 * of its scalar columns, then its JSON columns embedded as they are
 * stored (text that `JSON.stringify` wrote, so their number tokens are kept
 * exactly and SQLite need not parse them again).
 * @param rs The result of a `SELECT '[' || group_concat(…, ',') || ']' AS j`.
 * @returns The flat values.
 */
function flatValues(rs: ResultSet): unknown[] {
  return JSON.parse(str(rs.rows[0]?.j ?? "[]")) as unknown[];
}

/** The scalar columns of a node, as a JSON array (node id, parent, name, kind, version, hash). */
const SCALARS = (t: string) => `json_array(${t}.node_id, ${t}.parent_id, ${t}.name, ${t}.kind, ${t}.version, ${t}.hash)`;

/** The synced tree: per node its scalars, content and stamp. */
const SYNCED_SQL = `SELECT '[' || group_concat(${SCALARS("s")} || ',' || s.content || ',' || s.stamp, ',') || ']' AS j FROM synced_nodes s`;

/** The remote tree alone: per node its scalars and content. */
const REMOTE_SQL = `SELECT '[' || group_concat(${SCALARS("r")} || ',' || r.content, ',') || ']' AS j FROM remote_nodes r`;

/**
 * The remote tree beside the synced one: a node whose stored content is the
 * very text of its synced node's gives `0` instead, and shares that node's
 * parsed content (most nodes, once synced: half the parsing and the memory).
 */
const REMOTE_BESIDE_SYNCED_SQL = `SELECT '[' || group_concat(${SCALARS("r")} || ',' || CASE WHEN s.content = r.content THEN '0' ELSE r.content END, ',') || ']' AS j
  FROM remote_nodes r LEFT JOIN synced_nodes s ON s.node_id = r.node_id`;

/** A remote node from its scalar columns and its content. */
function nodeOf(scalars: unknown[], content: Content): RemoteNode {
  return {
    nodeId: scalars[0] as string,
    parentId: scalars[1] as string,
    name: scalars[2] as string,
    kind: scalars[3] as RemoteNode["kind"],
    version: Number(scalars[4]),
    hash: scalars[5] as string,
    content,
  };
}

/**
 * The synced nodes of a result of SYNCED_SQL.
 * @param rs The result.
 * @returns The nodes, by id.
 */
function syncedOf(rs: ResultSet): RevisionMap<string, SyncedNode> {
  const flat = flatValues(rs);
  const out = new RevisionMap<string, SyncedNode>();
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const s = flat[i] as unknown[];
    const node: SyncedNode = {
      nodeId: s[0] as string,
      parentId: s[1] as string,
      name: s[2] as string,
      kind: s[3] as SyncedNode["kind"],
      version: Number(s[4]),
      hash: s[5] as string,
      content: flat[i + 1] as Content,
      stamp: flat[i + 2] as LocalStamp,
    };
    out.seed(node.nodeId, node);
  }
  return out;
}

/**
 * The remote nodes of a result of REMOTE_SQL or REMOTE_BESIDE_SYNCED_SQL.
 * @param rs The result.
 * @param synced The synced nodes read in the same transaction (for `0` contents).
 * @returns The nodes, by id.
 */
function remoteOf(rs: ResultSet, synced?: ReadonlyMap<string, SyncedNode>): Map<string, RemoteNode> {
  const flat = flatValues(rs);
  const out = new RevisionMap<string, RemoteNode>(); // the remote tree keeps it as it is: no copy
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const s = flat[i] as unknown[];
    const stored = flat[i + 1];
    const content = stored === 0 ? synced?.get(s[0] as string)?.content : (stored as Content);
    if (content === undefined) throw new Error(`The remote node ${String(s[0])} shares the content of a synced node that is not there`);
    out.seed(s[0] as string, nodeOf(s, content));
  }
  return out;
}

/** Both trees as stored. */
export interface LoadedTrees {
  /** The remote tree, by node id. */
  remote: Map<string, RemoteNode>;
  /** The synced tree, by node id. */
  synced: RevisionMap<string, SyncedNode>;
}

/**
 * Loads both trees in one read transaction (one snapshot of the file, A5).
 * A remote node whose stored content is its synced node's shares the synced
 * node's content object: the trees are plain data that nothing changes in
 * place (a change is a new node), so sharing is invisible to their users.
 * @param db The state database (opened with TREES_SCHEMA).
 * @returns The trees.
 */
export async function loadTrees(db: Client): Promise<LoadedTrees> {
  // One statement after the other, so that the first one's text is garbage before the second's is read.
  const tx = await db.transaction("read");
  try {
    const synced = syncedOf(await tx.execute(SYNCED_SQL));
    const remote = remoteOf(await tx.execute(REMOTE_BESIDE_SYNCED_SQL), synced);
    return { remote, synced };
  } finally {
    tx.close();
  }
}

/** The remote tree: every node's newest verified version. */
export class RemoteTreeStore {
  #loaded: Map<string, RemoteNode> | undefined;

  private constructor(
    private readonly db: Client,
    loaded: Map<string, RemoteNode> | undefined,
  ) {
    this.#loaded = loaded;
  }

  /**
   * @param db The agent's state database (opened with TREES_SCHEMA).
   * @param loaded The nodes just read by {@link loadTrees}: the first {@link RemoteTreeStore.load} hands them out instead of reading again.
   * @returns The store.
   */
  static open(db: Client, loaded?: Map<string, RemoteNode>): Promise<RemoteTreeStore> {
    return Promise.resolve(new RemoteTreeStore(db, loaded));
  }

  /** @returns Every node, by id. */
  async load(): Promise<Map<string, RemoteNode>> {
    const loaded = this.#loaded;
    if (loaded !== undefined) {
      this.#loaded = undefined;
      return loaded;
    }
    return remoteOf(await this.db.execute(REMOTE_SQL));
  }

  /**
   * Writes nodes and removes others, in one go.
   * @param put Nodes to insert or replace.
   * @param remove Node ids to forget (purged on the server).
   */
  async write(put: readonly RemoteNode[], remove: readonly string[] = []): Promise<void> {
    const statements = [
      ...insertRows(
        "INSERT OR REPLACE INTO remote_nodes (node_id, parent_id, name, kind, version, hash, content)",
        put.map((n) => [n.nodeId, n.parentId, n.name, n.kind, n.version, n.hash, JSON.stringify(n.content)]),
      ),
      ...deleteKeys("DELETE FROM remote_nodes WHERE node_id", remove),
    ];
    if (statements.length > 0) await this.db.batch(statements, "write");
  }

  /** Forgets every node (before a fresh snapshot). */
  async clear(): Promise<void> {
    this.#loaded = undefined;
    await this.db.execute("DELETE FROM remote_nodes");
  }
}

/** The synced tree: the base both sides agreed on. */
export class SyncedTreeStore {
  private constructor(private readonly db: Client) {}

  /**
   * @param db The agent's state database (opened with TREES_SCHEMA).
   * @returns The store.
   */
  static open(db: Client): Promise<SyncedTreeStore> {
    return Promise.resolve(new SyncedTreeStore(db));
  }

  /** @returns Every node, by id. */
  async load(): Promise<RevisionMap<string, SyncedNode>> {
    return syncedOf(await this.db.execute(SYNCED_SQL));
  }

  /**
   * Writes nodes and removes others, in one go.
   * @param put Nodes to insert or replace.
   * @param remove Node ids to forget.
   */
  async write(put: readonly SyncedNode[], remove: readonly string[] = []): Promise<void> {
    const statements = [
      ...insertRows(
        "INSERT OR REPLACE INTO synced_nodes (node_id, parent_id, name, kind, version, hash, content, stamp)",
        put.map((n) => [n.nodeId, n.parentId, n.name, n.kind, n.version, n.hash, JSON.stringify(n.content), JSON.stringify(n.stamp)]),
      ),
      ...deleteKeys("DELETE FROM synced_nodes WHERE node_id", remove),
    ];
    if (statements.length > 0) await this.db.batch(statements, "write");
  }
}
