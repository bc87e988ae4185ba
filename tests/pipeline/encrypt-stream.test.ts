// The upload pipeline: read → FastCDC → HMAC id → Padmé → AES-GCM,
// overlapped and bounded; what it produces decrypts back to the file, each
// chunk padded to its bucket (K1, K2, C2, A6, DESIGN §2 rule 5).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFileStream } from "../../lib/chunking/file-stream.ts";
import { createGearTable } from "../../lib/chunking/gear.ts";
import { concatBytes } from "../../lib/crypto/bytes.ts";
import { decryptChunk, encryptedChunkLength, type EncryptedChunk } from "../../lib/crypto/chunk.ts";
import { contentHash } from "../../lib/crypto/manifest.ts";
import { encryptStream } from "../../lib/pipeline/encrypt-stream.ts";
import { FileSummaryBuilder } from "../../lib/pipeline/file-summary.ts";
import { readFilePieces } from "../../lib/pipeline/read-file.ts";
import { katKeyring } from "../crypto/fixtures.ts";

const run = promisify(execFile);
const small = { minSize: 64 << 10, avgSize: 256 << 10, maxSize: 512 << 10 };
let dir: string;

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  for (let o = 0; o < length; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(length, o + 65536)));
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-pipeline-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("encryptStream", () => {
  it("produces chunks that decrypt, in order, back to the file", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = randomBytes(5 << 20);
    const file = join(dir, "five.bin");
    await writeFile(file, data);
    const chunks: EncryptedChunk[] = [];
    const summary = new FileSummaryBuilder();
    for await (const chunk of encryptStream(await openFileStream(file, 100_000), keys, { table, ...small })) {
      // Copy, then release: the buffer is recycled for a later chunk.
      chunks.push({ id: chunk.id, size: chunk.size, data: chunk.data.slice() });
      summary.add(chunk);
      chunk.release();
    }
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.data.length).toBe(encryptedChunkLength(c.size));
    const plain = await Promise.all(chunks.map((c) => decryptChunk(ring, c.id, c.data)));
    expect(Buffer.compare(concatBytes(...plain), data)).toBe(0);
    const done = await summary.finish(keys);
    expect(done.size).toBe(data.length);
    expect(done.chunks.map((c) => c.id)).toEqual(chunks.map((c) => c.id));
    expect(done.contentHash).toBe(await contentHash(keys, data.length, done.chunks));
  });

  it("reads a file through readFilePieces with the same result as a stream", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = randomBytes(3 << 20);
    const file = join(dir, "three.bin");
    await writeFile(file, data);
    const viaPieces: string[] = [];
    for await (const c of encryptStream(readFilePieces(file, 65_536), keys, { table, ...small })) {
      viaPieces.push(c.id);
      c.release();
    }
    const viaStream: string[] = [];
    for await (const c of encryptStream(await openFileStream(file), keys, { table, ...small })) viaStream.push(c.id);
    expect(viaPieces).toEqual(viaStream);
    expect(viaPieces.length).toBeGreaterThan(3);
  });

  it("recycles buffers without corrupting chunks still held by the consumer", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = randomBytes(6 << 20);
    const held: { id: string; data: Uint8Array }[] = [];
    async function* whole() {
      yield await Promise.resolve(data);
    }
    for await (const c of encryptStream(whole(), keys, { table, ...small })) {
      held.push({ id: c.id, data: c.data }); // never released: must stay intact
    }
    const plain = await Promise.all(held.map((c) => decryptChunk(ring, c.id, c.data)));
    expect(Buffer.compare(concatBytes(...plain), data)).toBe(0);
  });

  it("gives the same ids whatever the depth and read size", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = randomBytes(3 << 20);
    const ids = async (depth: number, piece: number) => {
      async function* pieces() {
        for (let o = 0; o < data.length; o += piece) yield await Promise.resolve(data.subarray(o, o + piece));
      }
      const out: string[] = [];
      for await (const c of encryptStream(pieces(), keys, { table, depth, ...small })) out.push(c.id);
      return out;
    };
    const reference = await ids(1, 1 << 20);
    expect(await ids(8, 4093)).toEqual(reference);
    expect(await ids(3, 777_777)).toEqual(reference);
  });

  it("fits chunks cut at maxSize, with their padding, into the recycled buffers", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = new Uint8Array(3 << 20); // zeros: no content boundary, every cut at maxSize
    async function* whole() {
      yield await Promise.resolve(data);
    }
    const sizes: number[] = [];
    for await (const c of encryptStream(whole(), keys, { table, ...small, depth: 1 })) {
      expect(c.data.length).toBe(encryptedChunkLength(c.size));
      expect(Buffer.compare(await decryptChunk(ring, c.id, c.data), data.subarray(0, c.size))).toBe(0);
      sizes.push(c.size);
      c.release();
    }
    expect(sizes.filter((s) => s === small.maxSize).length).toBeGreaterThanOrEqual(5);
  });

  it("encrypts an empty file to no chunks and refuses a bad depth", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const out: EncryptedChunk[] = [];
    for await (const c of encryptStream((async function* () {})(), keys, { table })) out.push(c);
    expect(out).toEqual([]);
    await expect(encryptStream((async function* () {})(), keys, { table, depth: 0 }).next()).rejects.toThrow(/depth/);
  });

  it("lets a consumer stop early", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = randomBytes(4 << 20);
    let taken = 0;
    async function* once() {
      yield await Promise.resolve(data);
    }
    for await (const _ of encryptStream(once(), keys, { table, ...small })) {
      if (++taken === 2) break;
    }
    expect(taken).toBe(2);
  });

  it("gives identical chunk ids on Node, Bun and Deno", async () => {
    const fixture = join(import.meta.dirname, "fixtures", "chunk-ids.ts");
    const bin = join(process.cwd(), "node_modules", ".bin");
    const [node, bun, deno] = await Promise.all([
      run(join(bin, "tsx"), [fixture], { maxBuffer: 1 << 20 }),
      run(join(bin, "bun"), ["run", fixture], { maxBuffer: 1 << 20 }),
      run(join(bin, "deno"), ["run", "-A", "--quiet", fixture], { maxBuffer: 1 << 20 }),
    ]);
    const lines = node.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(8);
    expect(lines.every((l) => /^[0-9a-f]{64} \d+$/.test(l))).toBe(true);
    expect(bun.stdout).toBe(node.stdout);
    expect(deno.stdout).toBe(node.stdout);
  });
});
