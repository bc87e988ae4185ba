/**
 * Many rows in few statements: SQLite parses and prepares each statement
 * anew, which costs far more than storing a small row, so the stores write
 * a thousand rows with one multi-row `INSERT … VALUES (…), (…)` and forget
 * a thousand keys with one `DELETE … IN (…)`. Every value stays a bound
 * parameter (exact numbers, no escaping).
 */
import type { InStatement, InValue } from "@libsql/client";

/** Bound parameters per statement: well under SQLite's limit (32,766). */
const MAX_PARAMS = 8000;

function placeholders(n: number): string {
  return `(${new Array<string>(n).fill("?").join(", ")})`;
}

/**
 * Statements inserting (or replacing) rows.
 * @param head The statement up to `VALUES`, e.g. `INSERT OR REPLACE INTO t (a, b)`.
 * @param rows The rows, every one with as many values as `head` names columns.
 * @returns As few statements as the parameter limit allows (none for no rows).
 */
export function insertRows(head: string, rows: readonly (readonly InValue[])[]): InStatement[] {
  if (rows.length === 0) return [];
  const width = rows[0]!.length;
  const per = Math.max(1, Math.floor(MAX_PARAMS / width));
  const tuple = placeholders(width);
  const out: InStatement[] = [];
  for (let at = 0; at < rows.length; at += per) {
    const part = rows.slice(at, at + per);
    const args: InValue[] = [];
    for (const row of part) for (const value of row) args.push(value);
    out.push({ sql: `${head} VALUES ${new Array<string>(part.length).fill(tuple).join(", ")}`, args });
  }
  return out;
}

/**
 * Statements deleting the rows whose key is one of `keys`.
 * @param head The statement up to `IN`, e.g. `DELETE FROM t WHERE id`.
 * @param keys The keys.
 * @returns As few statements as the parameter limit allows (none for no keys).
 */
export function deleteKeys(head: string, keys: readonly InValue[]): InStatement[] {
  const out: InStatement[] = [];
  for (let at = 0; at < keys.length; at += MAX_PARAMS) {
    const part = keys.slice(at, at + MAX_PARAMS);
    out.push({ sql: `${head} IN ${placeholders(part.length)}`, args: [...part] });
  }
  return out;
}
