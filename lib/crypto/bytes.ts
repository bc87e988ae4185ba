/** Byte helpers shared by the crypto formats. Pure, runtime-neutral (SHA-256 and the constant-time comparison use `node:crypto` where present). */
import { sha256 } from "./mac.ts";
import { macEqual, runsNatively } from "./native.ts";

/** A view of bytes by the runtime's Buffer (Node, Bun, Deno; not browsers): native hex and base64url. */
interface NativeBytes {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
  toString(encoding: string, start?: number, end?: number): string;
  write(text: string, offset: number, encoding: "hex"): number;
}

/** The runtime's Buffer where it has one: used only to encode and decode faster. */
const NativeBuffer = (globalThis as { Buffer?: { from(data: ArrayBufferLike | string, offsetOrEncoding?: number | string, length?: number): NativeBytes } }).Buffer;

/** Below this many bytes the JavaScript loop beats making a Buffer view. */
const NATIVE_HEX_MIN = 32;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes bytes as lowercase hex.
 * @param bytes The bytes.
 * @returns Hex text, two characters a byte.
 */
export function toHex(bytes: Uint8Array): string {
  if (NativeBuffer && bytes.length >= NATIVE_HEX_MIN) return NativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  let out = "";
  for (const b of bytes) out += HEX[b];
  return out;
}

/** Value of each ASCII hex digit, -1 for every other character code below 128. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[i.toString(16).charCodeAt(0)] = i;
  HEX_VALUE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/**
 * Decodes lowercase or uppercase hex.
 * @param hex Text of even length.
 * @returns The bytes.
 * @throws TypeError on odd length or a non-hex character.
 */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0) throw new TypeError("Invalid hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = HEX_VALUE[hex.charCodeAt(2 * i)] ?? -1;
    const low = HEX_VALUE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (high < 0 || low < 0) throw new TypeError("Invalid hex string");
    out[i] = (high << 4) | low;
  }
  return out;
}

/** Reads and writes hex fields at offsets of one buffer. */
export interface HexWindow {
  /** Hex of bytes [start, end). */
  read(start: number, end: number): string;
  /** Writes the bytes of already-validated hex text at an offset. */
  write(hex: string, at: number): void;
}

/**
 * Hex fields of one buffer, read and written in place: natively (one Buffer
 * view for all fields) where the runtime has Buffer, 4–7 times faster over
 * the 150,000 ids of a big checkpoint.
 * @param bytes The buffer.
 * @returns Its reader and writer.
 */
export function hexWindow(bytes: Uint8Array): HexWindow {
  const native = NativeBuffer?.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return native
    ? { read: (start, end) => native.toString("hex", start, end), write: (hex, at) => void native.write(hex, at, "hex") }
    : { read: (start, end) => toHex(bytes.subarray(start, end)), write: (hex, at) => bytes.set(fromHex(hex), at) };
}


/**
 * Encodes bytes as unpadded base64url.
 * @param bytes The bytes.
 * @returns base64url text.
 */
export function toBase64Url(bytes: Uint8Array): string {
  // Node, Bun and Deno have Buffer: a native encoder, many times faster than btoa on a built string.
  if (NativeBuffer) return NativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Decodes unpadded (or padded) base64url.
 * @param text base64url text.
 * @returns The bytes.
 * @throws TypeError on characters outside the base64url alphabet.
 */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new TypeError("Invalid base64url string");
  if (NativeBuffer) {
    const decoded = NativeBuffer.from(text, "base64url");
    return new Uint8Array(decoded.buffer.slice(decoded.byteOffset, decoded.byteOffset + decoded.byteLength) as ArrayBuffer);
  }
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Concatenates byte arrays into one new array.
 * @param parts The arrays, in order.
 * @returns Their concatenation.
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Encodes an unsigned integer below 2^53 as 8 big-endian bytes.
 * @param value A safe non-negative integer.
 * @returns 8 bytes.
 */
export function u64be(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Not a u64: ${value}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

/**
 * Encodes an unsigned 32-bit integer as 4 big-endian bytes.
 * @param value An integer in 0..2^32-1.
 * @returns 4 bytes.
 */
export function u32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`Not a u32: ${value}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/**
 * Reads an unsigned 32-bit big-endian integer.
 * @param bytes Source; must hold 4 bytes at `offset`.
 * @param offset Where the integer starts.
 * @returns The integer.
 */
export function readU32be(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

/**
 * SHA-256 of some bytes, as lowercase hex (`node:crypto` for small inputs, WebCrypto for large ones: `mac.ts`).
 * @param bytes The bytes.
 * @returns 64 hex characters.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await sha256(bytes));
}

/**
 * Compares two byte arrays in time that depends only on their lengths.
 * @param a First array.
 * @param b Second array.
 * @returns Whether they are equal.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (runsNatively(a.length)) return macEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * UTF-8 encodes text.
 * @param text The text.
 * @returns Its UTF-8 bytes.
 */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8, refusing invalid sequences.
 * @param bytes UTF-8 bytes.
 * @returns The text.
 * @throws TypeError on invalid UTF-8.
 */
export function fromUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

/**
 * Fresh random bytes from the platform's CSPRNG.
 * @param length How many.
 * @returns The bytes.
 */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}
