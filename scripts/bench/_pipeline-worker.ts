/**
 * One pipeline run in its own process (so peak RSS belongs to one file
 * size): read → FastCDC → HMAC id → Padmé → AES-GCM (format v2), printing
 * one JSON line.
 */
import { stat } from "node:fs/promises";
import { createGearTable } from "../../lib/chunking/gear.ts";
import { readFilePieces } from "../../lib/pipeline/read-file.ts";
import { deriveEpochKeys } from "../../lib/crypto/subkeys.ts";
import { FileSummaryBuilder } from "../../lib/pipeline/file-summary.ts";
import { encryptStream } from "../../lib/pipeline/encrypt-stream.ts";

const file = process.argv[2];
if (!file) throw new Error("usage: _pipeline-worker.ts FILE");
const keys = await deriveEpochKeys(crypto.getRandomValues(new Uint8Array(32)), crypto.getRandomValues(new Uint8Array(16)), 1);
const table = await createGearTable(keys.chunkerGearSeed);
const size = (await stat(file)).size;
const summary = new FileSummaryBuilder();
let encryptedBytes = 0;
const started = performance.now();
for await (const chunk of encryptStream(readFilePieces(file), keys, { table })) {
  summary.add(chunk);
  encryptedBytes += chunk.data.length;
  chunk.release();
}
const { chunks } = await summary.finish(keys);
const seconds = (performance.now() - started) / 1000;
const sizes = chunks.map((c) => c.size);
console.log(
  JSON.stringify({
    bytes: size,
    seconds: +seconds.toFixed(3),
    MBps: Math.round(size / 1e6 / seconds),
    chunks: chunks.length,
    avgChunkMiB: +(size / chunks.length / 2 ** 20).toFixed(2),
    minChunkMiB: +(Math.min(...sizes.slice(0, -1)) / 2 ** 20).toFixed(2),
    maxChunkMiB: +(Math.max(...sizes) / 2 ** 20).toFixed(2),
    encryptedBytes,
    paddingOverhead: +(encryptedBytes / size - 1).toFixed(4),
    peakRssMB: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
  }),
);
