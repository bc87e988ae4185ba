/**
 * Rows as `@libsql/client` returns them: an object whose enumerable own
 * properties are the named columns (the first of duplicate names wins), with
 * the values also under non-enumerable indexes and a non-enumerable `length`.
 */
import type { Row, Value } from "@libsql/client";
import { valueFromDriver } from "./values.ts";

/** How the rows of one statement are built, worked out once per statement. */
export interface RowShape {
  /** Column names, in order. */
  readonly columns: readonly string[];
  /** True when every name is distinct, not `length`, `__proto__` or an index: the fast path applies. */
  readonly plain: boolean;
}

/**
 * The shape of a statement's rows.
 * @param columns Its column names.
 * @returns The shape.
 */
export function rowShape(columns: readonly string[]): RowShape {
  const seen = new Set<string>();
  let plain = true;
  for (const name of columns) {
    if (seen.has(name) || name === "length" || name === "__proto__" || /^(0|[1-9]\d*)$/.test(name)) plain = false;
    seen.add(name);
  }
  return { columns, plain };
}

/**
 * One row.
 * @param shape The statement's row shape.
 * @param raw The values as the driver read them.
 * @returns The row.
 */
export function buildRow(shape: RowShape, raw: readonly unknown[]): Row {
  const row: Record<string | number, Value> = {};
  const n = raw.length;
  Object.defineProperty(row, "length", { value: n });
  const { columns } = shape;
  if (shape.plain) {
    for (let i = 0; i < n; i++) {
      const value = valueFromDriver(raw[i]);
      Object.defineProperty(row, i, { value });
      row[columns[i] as string] = value;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const value = valueFromDriver(raw[i]);
      Object.defineProperty(row, i, { value });
      const name = columns[i] as string;
      if (!Object.hasOwn(row, name)) Object.defineProperty(row, name, { value, enumerable: true, configurable: true, writable: true });
    }
  }
  return row as unknown as Row;
}
