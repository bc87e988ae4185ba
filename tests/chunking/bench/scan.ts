/**
 * Measures the chunker: the boundary scan alone (findBoundary over a buffer
 * in memory) and the streaming Chunker fed 1 MiB pieces, with default sizes,
 * beside the same run's WebCrypto AES-256-GCM and HMAC-SHA-256 speeds on one
 * 4 MiB buffer (DESIGN §2: ratios to them compare across machines). Times
 * are process CPU time, so a busy machine skews them less than wall time.
 *
 * Run: `npx tsx tests/chunking/bench/scan.ts`, `npx bun run …`, `npx deno run -A …`.
 */

import { Chunker } from "../../../lib/chunking/chunker.ts";
import { findBoundary } from "../../../lib/chunking/fastcdc.ts";
import { createGearTable } from "../../../lib/chunking/gear.ts";
import { resolveChunkParams } from "../../../lib/chunking/params.ts";
import { deterministicBytes, TEST_SEED } from "../fixtures/data.ts";

const MiB = 1 << 20;
const TOTAL = 256 * MiB;
const ROUNDS = 5;

/**
 * Best of `rounds` runs of `fn`, in MB/s for `bytes` bytes, timed in process
 * CPU time (user + system), which other load on the machine barely changes.
 */
async function best(bytes: number, rounds: number, fn: () => unknown): Promise<number> {
  let fastest = Infinity;
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    fastest = Math.min(fastest, (used.user + used.system) / 1000);
  }
  return bytes / 1e6 / (fastest / 1000);
}

const table = await createGearTable(TEST_SEED);
const params = resolveChunkParams();
const data = await deterministicBytes(TOTAL, "syncagent chunking bench");

let hashed = 0;
const scan = await best(TOTAL, ROUNDS, () => {
  hashed = 0;
  for (let start = 0; start < data.length; ) {
    const cut = findBoundary(table, data, start, data.length, params);
    hashed += Math.max(0, cut - start - params.minSize);
    start = cut;
  }
});

const stream = await best(TOTAL, ROUNDS, () => {
  const chunker = new Chunker({ table });
  for (let offset = 0; offset < data.length; offset += MiB) chunker.push(data.subarray(offset, offset + MiB));
  chunker.finish();
});

const block = data.subarray(0, 4 * MiB);
const aesKey = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["encrypt"]);
const hmacKey = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const aes = await best(block.length, 20, () => crypto.subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aesKey, block));
const hmac = await best(block.length, 20, () => crypto.subtle.sign("HMAC", hmacKey, block));

const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : `node ${process.version}`;
const f = (x: number): string => x.toFixed(0).padStart(6);
console.log(`runtime ${runtime}, ${TOTAL / MiB} MiB random input, default sizes, best of ${ROUNDS}, CPU time`);
console.log(`boundary scan     ${f(scan)} MB/s of input (${f((scan * hashed) / TOTAL)} MB/s of hashed bytes)`);
console.log(`streaming Chunker ${f(stream)} MB/s (1 MiB pieces, copies included)`);
console.log(`WebCrypto AES-256-GCM ${f(aes)} MB/s, HMAC-SHA-256 ${f(hmac)} MB/s (4 MiB buffer)`);
console.log(`scan / AES-GCM ${(scan / aes).toFixed(2)}, scan / HMAC ${(scan / hmac).toFixed(2)}`);
