/**
 * Conversions between the values of `@libsql/client`'s API and those of the
 * `libsql` driver, with the same rules as the stock client: integers arrive
 * as bigint and become numbers when they fit (a RangeError otherwise), BLOBs
 * arrive as Buffers and become ArrayBuffers, booleans and dates are stored
 * as integers, `undefined` is refused.
 */
import type { InArgs, InValue, Value } from "@libsql/client";

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** A value the driver binds. */
export type DriverValue = null | string | number | bigint | Uint8Array;
/** Arguments as the driver binds them: positional, or named without their prefix. */
export type DriverArgs = DriverValue[] | Record<string, DriverValue>;

/**
 * One argument as the driver binds it.
 * @param value The argument.
 * @returns The bound value.
 */
export function valueToDriver(value: InValue): DriverValue {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    return value;
  }
  if (typeof value === "bigint") {
    if (value < MIN_INT64 || value > MAX_INT64) throw new RangeError("bigint is too large to be represented as a 64-bit integer and passed as argument");
    return value;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

/**
 * A statement's arguments as the driver binds them.
 * @param args Positional or named arguments (`:name`, `@name`, `$name` or `name`).
 * @returns The bound arguments.
 */
export function argsToDriver(args: InArgs | undefined): DriverArgs {
  if (args === undefined) return [];
  if (Array.isArray(args)) {
    const out = new Array<DriverValue>(args.length);
    for (let i = 0; i < args.length; i++) out[i] = valueToDriver(args[i] as InValue);
    return out;
  }
  const named: Record<string, DriverValue> = {};
  for (const name of Object.keys(args)) {
    const first = name[0];
    named[first === ":" || first === "@" || first === "$" ? name.slice(1) : name] = valueToDriver(args[name] as InValue);
  }
  return named;
}

/**
 * One column value as the client returns it.
 * @param value What the driver read.
 * @returns A number (a RangeError beyond 2^53), text, null or an ArrayBuffer.
 */
export function valueFromDriver(value: unknown): Value {
  if (typeof value === "bigint") {
    if (value < MIN_SAFE || value > MAX_SAFE) throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
    return Number(value);
  }
  if (value instanceof Uint8Array) {
    const buffer = value.buffer as ArrayBuffer;
    if (value.byteOffset === 0 && value.byteLength === buffer.byteLength) return buffer;
    return buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  }
  return value as Value;
}
