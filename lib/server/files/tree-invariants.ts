/**
 * The invariants of the tree of nodes, checked in SQL over every vault: no
 * orphan (a parent other than the root without a row), no parent that is a
 * file, no cycle, no two live children of one folder with one name.
 */
import type { Executor } from "../../events/store.ts";
import { ROOT_NODE_ID } from "../../events/schemas/common.ts";
import { str } from "../../db/row.ts";

/** Deepest walk the cycle check follows. */
const MAX_DEPTH = 4096;

/**
 * Finds breaches of the tree invariants.
 * @param db The database.
 * @returns One line per problem (at most 20 of each kind).
 */
export async function treeProblems(db: Executor): Promise<string[]> {
  const problems: string[] = [];
  const orphans = await db.execute({
    sql: `SELECT t.node_id, t.parent_id FROM tree t WHERE t.parent_id <> ?
          AND NOT EXISTS (SELECT 1 FROM tree p WHERE p.vault_id = t.vault_id AND p.node_id = t.parent_id) LIMIT 20`,
    args: [ROOT_NODE_ID],
  });
  for (const r of orphans.rows) problems.push(`node ${str(r.node_id)}: its parent ${str(r.parent_id)} has no row (orphan)`);
  const underFiles = await db.execute(
    `SELECT t.node_id FROM tree t JOIN tree p ON p.vault_id = t.vault_id AND p.node_id = t.parent_id WHERE p.kind = 'file' LIMIT 20`,
  );
  for (const r of underFiles.rows) problems.push(`node ${str(r.node_id)}: its parent is a file`);
  const cycles = await db.execute({
    sql: `WITH RECURSIVE up(vault_id, start, id, depth) AS (
            SELECT vault_id, node_id, parent_id, 1 FROM tree
            UNION ALL
            SELECT up.vault_id, up.start, t.parent_id, up.depth + 1 FROM up JOIN tree t ON t.vault_id = up.vault_id AND t.node_id = up.id
            WHERE up.id <> up.start AND up.id <> ? AND up.depth < ?)
          SELECT DISTINCT start FROM up WHERE id = start LIMIT 20`,
    args: [ROOT_NODE_ID, MAX_DEPTH],
  });
  for (const r of cycles.rows) problems.push(`node ${str(r.start)} is its own ancestor (cycle)`);
  const names = await db.execute(
    `SELECT parent_id, COUNT(*) AS n FROM tree WHERE kind <> 'delete' GROUP BY vault_id, parent_id, enc_name HAVING COUNT(*) > 1 LIMIT 20`,
  );
  for (const r of names.rows) problems.push(`folder ${str(r.parent_id)}: ${Number(r.n)} live children share one name`);
  return problems;
}
