/**
 * Persistence of the remote and synced trees (A5): one row per node, loaded
 * whole at start (the planner works in memory) and written in batches.
 */
import type { Client, InStatement } from "@libsql/client";
import type { Content, LocalStamp, RemoteNode, SyncedNode } from "../tree/nodes.ts";
import { str } from "../../db/row.ts";
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

const BATCH = 500;

async function inBatches(db: Client, statements: InStatement[]): Promise<void> {
  for (let i = 0; i < statements.length; i += BATCH) await db.batch(statements.slice(i, i + BATCH), "write");
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
    const rs = await this.db.execute("SELECT node_id, parent_id, name, kind, version, hash, content FROM remote_nodes");
    const out = new Map<string, RemoteNode>();
    for (const r of rs.rows) {
      out.set(str(r.node_id), {
        nodeId: str(r.node_id),
        parentId: str(r.parent_id),
        name: str(r.name),
        kind: str(r.kind) as RemoteNode["kind"],
        version: Number(r.version),
        hash: str(r.hash),
        content: JSON.parse(str(r.content)) as Content,
      });
    }
    return out;
  }

  /**
   * Writes nodes and removes others, in one go.
   * @param put Nodes to insert or replace.
   * @param remove Node ids to forget (purged on the server).
   */
  async write(put: readonly RemoteNode[], remove: readonly string[] = []): Promise<void> {
    const statements: InStatement[] = put.map((n) => ({
      sql: "INSERT OR REPLACE INTO remote_nodes (node_id, parent_id, name, kind, version, hash, content) VALUES (?, ?, ?, ?, ?, ?, ?)",
      args: [n.nodeId, n.parentId, n.name, n.kind, n.version, n.hash, JSON.stringify(n.content)],
    }));
    for (const id of remove) statements.push({ sql: "DELETE FROM remote_nodes WHERE node_id = ?", args: [id] });
    await inBatches(this.db, statements);
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
    const rs = await this.db.execute("SELECT node_id, parent_id, name, kind, version, hash, content, stamp FROM synced_nodes");
    const out = new Map<string, SyncedNode>();
    for (const r of rs.rows) {
      out.set(str(r.node_id), {
        nodeId: str(r.node_id),
        parentId: str(r.parent_id),
        name: str(r.name),
        kind: str(r.kind) as SyncedNode["kind"],
        version: Number(r.version),
        hash: str(r.hash),
        content: JSON.parse(str(r.content)) as Content,
        stamp: JSON.parse(str(r.stamp)) as LocalStamp,
      });
    }
    return out;
  }

  /**
   * Writes nodes and removes others, in one go.
   * @param put Nodes to insert or replace.
   * @param remove Node ids to forget.
   */
  async write(put: readonly SyncedNode[], remove: readonly string[] = []): Promise<void> {
    const statements: InStatement[] = put.map((n) => ({
      sql: "INSERT OR REPLACE INTO synced_nodes (node_id, parent_id, name, kind, version, hash, content, stamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      args: [n.nodeId, n.parentId, n.name, n.kind, n.version, n.hash, JSON.stringify(n.content), JSON.stringify(n.stamp)],
    }));
    for (const id of remove) statements.push({ sql: "DELETE FROM synced_nodes WHERE node_id = ?", args: [id] });
    await inBatches(this.db, statements);
  }
}
