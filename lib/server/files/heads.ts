/**
 * The current head of a node as the checks see it: what a commit reads
 * inside its transaction (chunk presence: lib/server/chunks/presence.ts).
 */
import type { Row } from "@libsql/client";
import { str } from "../../db/row.ts";

/** The current head of a node, as reported with a conflict (S4). */
export interface Head {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: "file" | "dir" | "delete";
  version: number;
  manifest: string;
  size: number;
  seq: number;
}

/** The `tree` columns {@link headFromRow} reads. */
export const HEAD_COLUMNS = "node_id, parent_id, enc_name, kind, head_version, manifest, size, seq";

/**
 * Turns a `tree` row into a head.
 * @param row A row with {@link HEAD_COLUMNS}.
 * @returns The head.
 */
export function headFromRow(row: Row): Head {
  return {
    nodeId: str(row.node_id),
    parentId: str(row.parent_id),
    encName: str(row.enc_name),
    kind: str(row.kind) as Head["kind"],
    version: Number(row.head_version),
    manifest: str(row.manifest),
    size: Number(row.size),
    seq: Number(row.seq),
  };
}
