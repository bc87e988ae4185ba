/**
 * The server's history of a convergence run, read back as a machine with
 * the keys would: every version of every node in commit order, with the
 * path it had when it was committed (names decrypted, folders resolved as
 * they stood at that point of the log). The invariants over it are in
 * `invariants.ts` (`unaskedDeletions`, `unaskedNodes`).
 */
import type { Client } from "@libsql/client";
import type { Keyring } from "../../lib/crypto/keyring.ts";
import { decryptName } from "../../lib/crypto/names.ts";
import { ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";

/** One version of a node, where it was when it was committed. */
export interface HistoryEntry {
  nodeId: string;
  version: number;
  kind: "file" | "dir" | "delete";
  /** Its path at that point of the log (a tombstone's: where it was deleted). */
  path: string;
  /** The server's time of the commit, ms. */
  at: number;
  seq: number;
  /** The machine that committed it (null from the dashboard). */
  machineId: string | null;
  /** How it came to be: `commit`, `trash-restore`, `version-restore`, … */
  origin: string;
}

/**
 * Every version the server keeps, in commit order, with its path then.
 * @param db The server's database.
 * @param keyring The vault's keys.
 * @returns The history.
 * @throws When a name does not decrypt or a folder chain does not reach the root (the server's tree is then broken, which the consistency check reports too).
 */
export async function serverHistory(db: Client, keyring: Keyring): Promise<HistoryEntry[]> {
  const rows = await db.execute("SELECT node_id, version, kind, parent_id, enc_name, seq, created_at, machine_id, origin FROM versions ORDER BY seq, node_id, version");
  const where = new Map<string, { parentId: string; name: string }>();
  const pathOf = (nodeId: string): string => {
    const parts: string[] = [];
    for (let id = nodeId, hops = 0; id !== ROOT_NODE_ID; hops++) {
      const at = where.get(id);
      if (!at || hops > 10_000) throw new Error(`the server's history places ${nodeId} under a folder it never had`);
      parts.push(at.name);
      id = at.parentId;
    }
    return parts.reverse().join("/");
  };
  const out: HistoryEntry[] = [];
  for (const r of rows.rows) {
    const nodeId = r.node_id as string;
    const parentId = r.parent_id as string;
    where.set(nodeId, { parentId, name: decryptName(keyring, parentId, r.enc_name as string) });
    const origin = (JSON.parse(r.origin as string) as { type?: string }).type ?? "?";
    out.push({ nodeId, version: Number(r.version), kind: r.kind as HistoryEntry["kind"], path: pathOf(nodeId), at: Number(r.created_at), seq: Number(r.seq), machineId: (r.machine_id as string | null) ?? null, origin });
  }
  return out;
}

/**
 * The history as lines for a failure's log: one per version, in commit order.
 * @param history The history.
 * @param machines Machine id → agent index, to name who committed.
 * @returns The lines.
 */
export function historyLines(history: HistoryEntry[], machines: ReadonlyMap<string, number>): string[] {
  return history.map((e) => {
    const who = e.machineId === null ? "dashboard" : `agent ${machines.get(e.machineId) ?? e.machineId.slice(0, 8)}`;
    return `event ${e.seq} ${who}: ${e.nodeId.slice(-8)} v${e.version} ${e.kind} ${e.path} (${e.origin})`;
  });
}
