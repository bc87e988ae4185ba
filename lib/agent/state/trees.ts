/**
 * Persistence of the remote and synced trees (A5): one row per node, loaded
 * whole at start (the planner works in memory) and written in batches: one
 * write is one transaction of a few multi-row statements, so a crash keeps
 * all of it or none.
 */
import type { Client } from "@libsql/client";
import type { Content, LocalStamp, RemoteNode, SyncedNode } from "../tree/nodes.ts";
import { str } from "../../db/row.ts";
import { deleteKeys, insertRows } from "./bulk.ts";
import type { StateSchema } from "./db.ts";

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
 * Every row of a table as one JSON array of arrays, parsed at once: far
 * cheaper than a result row object per node. The JSON columns are embedded
 * as they are stored (`json()` keeps their number tokens exactly).
 * @param db The state database.
 * @param sql A `SELECT json_group_array(json_array(…)) AS j FROM …`.
 * @returns The rows.
 */
async function loadRows(db: Client, sql: string): Promise<unknown[][]> {
  const rs = await db.execute(sql);
  return JSON.parse(str(rs.rows[0]?.j ?? "[]")) as unknown[][];
}

/** A node's columns shared by both trees (node id, parent, name, kind, version, hash, content), as `loadRows` gives them. */
function nodeOf(r: unknown[]): RemoteNode {
  return {
    nodeId: r[0] as string,
    parentId: r[1] as string,
    name: r[2] as string,
    kind: r[3] as RemoteNode["kind"],
    version: Number(r[4]),
    hash: r[5] as string,
    content: r[6] as Content,
  };
}

/** The remote tree: every node's newest verified version. */
export class RemoteTreeStore {
  private constructor(private readonly db: Client) {}

  /**
   * @param db The agent's state database (opened with TREES_SCHEMA).
   * @returns The store.
   */
  static open(db: Client): Promise<RemoteTreeStore> {
    return Promise.resolve(new RemoteTreeStore(db));
  }

  /** @returns Every node, by id. */
  async load(): Promise<Map<string, RemoteNode>> {
    const rows = await loadRows(this.db, "SELECT json_group_array(json_array(node_id, parent_id, name, kind, version, hash, json(content))) AS j FROM remote_nodes");
    const out = new Map<string, RemoteNode>();
    for (const r of rows) {
      const node = nodeOf(r);
      out.set(node.nodeId, node);
    }
    return out;
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
  async load(): Promise<Map<string, SyncedNode>> {
    const rows = await loadRows(this.db, "SELECT json_group_array(json_array(node_id, parent_id, name, kind, version, hash, json(content), json(stamp))) AS j FROM synced_nodes");
    const out = new Map<string, SyncedNode>();
    for (const r of rows) {
      const node = { ...nodeOf(r), kind: r[3] as SyncedNode["kind"], stamp: r[7] as LocalStamp };
      out.set(node.nodeId, node);
    }
    return out;
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
