/**
 * AES-SIV (RFC 5297) on `node:crypto`: S2V over AES-CMAC, then AES-CTR.
 * The same bytes as `aessiv` of @noble/ciphers (the fallback where
 * `node:crypto` is missing), at a third of its CPU for a name: the key
 * schedule runs natively and, with the CMAC subkeys and S2V's first block,
 * once per key instead of once per call (scripts/bench/crypto-small).
 * Checked against RFC 5297 appendix A and against @noble/ciphers on random
 * inputs (tests/crypto/siv.test.ts).
 */
import type { KeyObject } from "node:crypto";
import { nodeCrypto, type NodeCrypto } from "../runtime/node-crypto.ts";

const BLOCK = 16;
const ZERO_IV = new Uint8Array(BLOCK);

/** A SIV key made ready: the S2V (CMAC) half, the CTR half, the CMAC subkeys and CMAC(K, 0¹²⁸). */
interface SivKey {
  mac: KeyObject;
  ctr: KeyObject;
  cipher: string;
  k1: Uint8Array;
  k2: Uint8Array;
  zero: Uint8Array;
}

const prepared = new WeakMap<Uint8Array, SivKey>();

function native(): NodeCrypto {
  if (!nodeCrypto) throw new Error("node:crypto is not available on this runtime");
  return nodeCrypto;
}

/** Doubling in GF(2^128) (RFC 5297 §2.3), into a new block. */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  let carry = 0;
  for (let i = BLOCK - 1; i >= 0; i--) {
    const b = block[i] ?? 0;
    out[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if ((block[0] ?? 0) & 0x80) out[BLOCK - 1] = (out[BLOCK - 1] ?? 0) ^ 0x87;
  return out;
}

function xorInto(target: Uint8Array, offset: number, source: Uint8Array): void {
  for (let i = 0; i < source.length; i++) target[offset + i] = (target[offset + i] ?? 0) ^ (source[i] ?? 0);
}

/** The last block of AES-CBC with a zero IV and no padding over `message` (a multiple of 16 bytes, at least one block). */
function cbcMac(key: SivKey, message: Uint8Array): Uint8Array {
  const cipher = native().createCipheriv(`${key.cipher}-cbc`, key.mac, ZERO_IV);
  cipher.setAutoPadding(false);
  const out = cipher.update(message);
  return out.subarray(out.length - BLOCK);
}

/** AES-CMAC (RFC 4493) under the S2V key. */
function cmac(key: SivKey, message: Uint8Array): Uint8Array {
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const blocks = complete ? message.length / BLOCK : Math.floor(message.length / BLOCK) + 1;
  const padded = new Uint8Array(blocks * BLOCK);
  padded.set(message);
  const last = (blocks - 1) * BLOCK;
  if (!complete) padded[message.length] = 0x80;
  xorInto(padded, last, complete ? key.k1 : key.k2);
  return cbcMac(key, padded);
}

function prepare(raw: Uint8Array): SivKey {
  const known = prepared.get(raw);
  if (known) return known;
  if (raw.length !== 32 && raw.length !== 48 && raw.length !== 64) throw new RangeError("An AES-SIV key is 32, 48 or 64 bytes");
  const half = raw.length / 2;
  const c = native();
  const cipher = `aes-${half * 8}`;
  const mac = c.createSecretKey(raw.subarray(0, half));
  const ecb = c.createCipheriv(`${cipher}-ecb`, mac, null);
  ecb.setAutoPadding(false);
  const l = ecb.update(new Uint8Array(BLOCK));
  const k1 = dbl(l);
  const key: SivKey = { mac, ctr: c.createSecretKey(raw.subarray(half)), cipher, k1, k2: dbl(k1), zero: new Uint8Array(BLOCK) };
  key.zero = cmac(key, new Uint8Array(BLOCK));
  prepared.set(raw, key);
  return key;
}

/** S2V (RFC 5297 §2.4) over the AD components and the plaintext. */
function s2v(key: SivKey, ad: readonly Uint8Array[], plaintext: Uint8Array): Uint8Array {
  let d = key.zero;
  for (const component of ad) {
    d = dbl(d);
    xorInto(d, 0, cmac(key, component));
  }
  if (plaintext.length >= BLOCK) {
    const t = new Uint8Array(plaintext);
    xorInto(t, t.length - BLOCK, d);
    return cmac(key, t);
  }
  const t = dbl(d);
  const padded = new Uint8Array(BLOCK);
  padded.set(plaintext);
  padded[plaintext.length] = 0x80;
  xorInto(t, 0, padded);
  return cmac(key, t);
}

/** AES-CTR from the synthetic IV with bits 63 and 31 cleared (RFC 5297 §2.5). */
function ctr(key: SivKey, v: Uint8Array, input: Uint8Array, out: Uint8Array, offset: number): void {
  const q = new Uint8Array(v.subarray(0, BLOCK));
  q[8] = (q[8] ?? 0) & 0x7f;
  q[12] = (q[12] ?? 0) & 0x7f;
  const cipher = native().createCipheriv(`${key.cipher}-ctr`, key.ctr, q);
  out.set(cipher.update(input), offset);
}

/**
 * AES-SIV encryption.
 * @param raw The key: 32, 48 or 64 bytes (S2V half, then CTR half). Prepared once per array and remembered.
 * @param ad The associated data components, in order.
 * @param plaintext The plaintext.
 * @returns `V(16) ‖ ciphertext`.
 */
export function sivEncryptNative(raw: Uint8Array, ad: readonly Uint8Array[], plaintext: Uint8Array): Uint8Array<ArrayBuffer> {
  const key = prepare(raw);
  const v = s2v(key, ad, plaintext);
  const out = new Uint8Array(BLOCK + plaintext.length);
  out.set(v, 0);
  ctr(key, v, plaintext, out, BLOCK);
  return out;
}

/**
 * AES-SIV decryption and check.
 * @param raw The key, as for `sivEncryptNative`.
 * @param ad The associated data components, in order.
 * @param sealed `V(16) ‖ ciphertext`.
 * @returns The plaintext, or `undefined` when it does not verify.
 */
export function sivDecryptNative(raw: Uint8Array, ad: readonly Uint8Array[], sealed: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  if (sealed.length < BLOCK) return undefined;
  const key = prepare(raw);
  const v = sealed.subarray(0, BLOCK);
  const plaintext = new Uint8Array(sealed.length - BLOCK);
  ctr(key, v, sealed.subarray(BLOCK), plaintext, 0);
  const t = s2v(key, ad, plaintext);
  return native().timingSafeEqual(t, v) ? plaintext : undefined;
}
