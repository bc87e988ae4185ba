/**
 * Typed readers for libSQL result values.
 */
/**
 * A column as text.
 * @param value The column value.
 * @returns The text ('' for null).
 */
export function str(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof ArrayBuffer) return new TextDecoder().decode(value);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return value.toString();
  return JSON.stringify(value);
}

/**
 * A nullable text column.
 * @param value The column value.
 * @returns The text, or null.
 */
export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}
