/**
 * Result sets with the shape of `@libsql/client`'s.
 */
import { Buffer } from "node:buffer";
import type { ResultSet, Row, Value } from "@libsql/client";

function valueToJson(value: Value): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  return value;
}

/** A result set. */
export class LocalResultSet implements ResultSet {
  /**
   * @param columns The column names.
   * @param columnTypes The declared column types ('' where none).
   * @param rows The rows.
   * @param rowsAffected Rows changed by a write statement (0 for a read).
   * @param lastInsertRowid The last inserted rowid of a write statement.
   */
  constructor(
    readonly columns: string[],
    readonly columnTypes: string[],
    readonly rows: Row[],
    readonly rowsAffected: number,
    readonly lastInsertRowid: bigint | undefined,
  ) {}

  /**
   * The result as JSON: integers and rowids as text, BLOBs in base64.
   * @returns A JSON-ready object.
   */
  toJSON(): unknown {
    return {
      columns: this.columns,
      columnTypes: this.columnTypes,
      rows: this.rows.map((row) => Array.prototype.map.call(row, valueToJson)),
      rowsAffected: this.rowsAffected,
      lastInsertRowid: this.lastInsertRowid === undefined ? null : this.lastInsertRowid.toString(),
    };
  }
}

const NO_COLUMNS: string[] = [];

/**
 * A result set.
 * @param columns The column names.
 * @param columnTypes The declared column types.
 * @param rows The rows.
 * @param rowsAffected Rows changed by a write statement (0 for a read).
 * @param lastInsertRowid The last inserted rowid of a write statement.
 * @returns The result set.
 */
export function result(columns: readonly string[], columnTypes: readonly string[], rows: Row[], rowsAffected: number, lastInsertRowid: bigint | undefined): ResultSet {
  return new LocalResultSet(
    columns.length === 0 ? NO_COLUMNS : (columns as string[]),
    columnTypes.length === 0 ? NO_COLUMNS : (columnTypes as string[]),
    rows,
    rowsAffected,
    lastInsertRowid,
  );
}
