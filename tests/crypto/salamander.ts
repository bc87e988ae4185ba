/**
 * Test fixture: an AES-256-GCM ciphertext that decrypts under two different
 * keys ("invisible salamanders": Dodis, Grubbs, Ristenpart, Woodage, CRYPTO
 * 2018; Albertini, Duong, Gueron, Kölbl, Luykx, Schmieg, USENIX Security
 * 2020). GHASH is linear in the ciphertext blocks, so one free block can be
 * solved for so that the tags under both keys agree:
 *
 *   T = GHASH_H1(A, C) ⊕ E_K1(J0) = GHASH_H2(A, C) ⊕ E_K2(J0)
 *   ⇒ C_k · (H1^e ⊕ H2^e) = F1 ⊕ F2 ⊕ E_K1(J0) ⊕ E_K2(J0)
 *
 * where F_i is GHASH with C_k = 0 and e is C_k's power of H. Arithmetic in
 * GF(2^128) with GCM's bit order (NIST SP 800-38D, algorithm 1).
 */
import { createCipheriv } from "node:crypto";

const R = 0xe1n << 120n;
const ONE = 1n << 127n; // the field's 1 in GCM's reflected bit order
const MASK = (1n << 128n) - 1n;

function toBig(block: Uint8Array): bigint {
  let x = 0n;
  for (const b of block) x = (x << 8n) | BigInt(b);
  return x;
}

function toBlock(x: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/**
 * Multiplies in GF(2^128) as GCM does.
 * @param x First factor.
 * @param y Second factor.
 * @returns x • y.
 */
export function gfMul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i--) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z & MASK;
}

function gfPow(x: bigint, e: bigint): bigint {
  let result = ONE;
  let base = x;
  while (e > 0n) {
    if (e & 1n) result = gfMul(result, base);
    base = gfMul(base, base);
    e >>= 1n;
  }
  return result;
}

/**
 * Inverts in GF(2^128): x^(2^128 − 2).
 * @param x A non-zero element.
 * @returns Its inverse.
 */
export function gfInv(x: bigint): bigint {
  return gfPow(x, (1n << 128n) - 2n);
}

function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv("aes-256-ecb", key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(cipher.update(block));
}

function blocksOf(data: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let o = 0; o < data.length; o += 16) {
    const block = new Uint8Array(16);
    block.set(data.subarray(o, o + 16));
    out.push(toBig(block));
  }
  return out;
}

function ghash(h: bigint, blocks: bigint[]): bigint {
  let y = 0n;
  for (const x of blocks) y = gfMul(y ^ x, h);
  return y;
}

/**
 * Builds `ciphertext ‖ tag` that AES-256-GCM accepts under both keys with
 * the same nonce and associated data (each key decrypts it to different bytes).
 * @param key1 First AES-256 key.
 * @param key2 Second AES-256 key.
 * @param nonce 12-byte nonce.
 * @param ad Associated data.
 * @param blockCount Ciphertext length in 16-byte blocks (≥ 1); block 0 is the solved one.
 * @returns The ciphertext and its 16-byte tag, concatenated.
 */
export function twoKeyCiphertext(key1: Uint8Array, key2: Uint8Array, nonce: Uint8Array, ad: Uint8Array, blockCount: number): Uint8Array<ArrayBuffer> {
  const j0 = new Uint8Array(16);
  j0.set(nonce);
  j0[15] = 1;
  const h1 = toBig(aesBlock(key1, new Uint8Array(16)));
  const h2 = toBig(aesBlock(key2, new Uint8Array(16)));
  const e1 = toBig(aesBlock(key1, j0));
  const e2 = toBig(aesBlock(key2, j0));
  const cipher = new Uint8Array(blockCount * 16).map((_, i) => (i * 37 + 11) & 0xff);
  cipher.fill(0, 0, 16); // the free block, solved below
  const lengths = (BigInt(ad.length * 8) << 64n) | BigInt(cipher.length * 8);
  const adBlocks = blocksOf(ad);
  const ghashIn = (c: Uint8Array) => [...adBlocks, ...blocksOf(c), lengths];
  const f1 = ghash(h1, ghashIn(cipher));
  const f2 = ghash(h2, ghashIn(cipher));
  // GHASH gives block p (1-based) of n the power n − p + 1; ciphertext block 0
  // is block (AD blocks + 1) of (AD blocks + blockCount + 1): power blockCount + 1.
  const exponent = BigInt(blockCount + 1);
  const coefficient = gfPow(h1, exponent) ^ gfPow(h2, exponent);
  const solved = gfMul(f1 ^ f2 ^ e1 ^ e2, gfInv(coefficient));
  cipher.set(toBlock(solved), 0);
  const tag = ghash(h1, ghashIn(cipher)) ^ e1;
  const out = new Uint8Array(cipher.length + 16);
  out.set(cipher);
  out.set(toBlock(tag), cipher.length);
  return out;
}
