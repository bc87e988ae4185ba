// Downloads: local chunks reused (K3), and every failure leaves the target
// untouched and no temp file behind (A6).
import { writeFileSync } from "node:fs";
import { mkdir, open, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putChunk } from "../../../lib/agent/client/chunks.ts";
import { MissingChunkError } from "../../../lib/agent/transfer/downloader.ts";
import { LocalChangedError } from "../../../lib/agent/transfer/file-stamp.ts";
import { isTempName, removeTempFiles, TEMP_PREFIX } from "../../../lib/agent/transfer/temp-files.ts";
import { encryptChunk } from "../../../lib/crypto/chunk.ts";
import { IntegrityError } from "../../../lib/crypto/errors.ts";
import { contentHash } from "../../../lib/crypto/manifest.ts";
import { randomContent, startBench, stampOf, total, writeFileStamped, type Bench, type Side } from "./harness.ts";

const sizes = { minSize: 64 << 10, avgSize: 256 << 10, maxSize: 1 << 20 };
let bench: Bench;
let a: Side;
let b: Side;

beforeAll(async () => {
  bench = await startBench();
  a = await bench.side({ uploader: { chunkSizes: sizes } });
  b = await bench.side();
});
afterAll(async () => {
  await bench.close();
});

async function temps(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(isTempName);
}

/** A manifest for content whose chunks are made here (not uploaded unless asked). */
async function fabricate(data: Uint8Array<ArrayBuffer>) {
  const keys = bench.keyring.current;
  const chunk = await encryptChunk(keys, data);
  const chunks = [{ id: chunk.id, size: data.length }];
  return { chunk, manifest: { size: data.length, mtimeMs: 1e12, mode: 0o644, chunks, contentHash: await contentHash(keys, data.length, chunks) } };
}

describe("download", () => {
  it("takes unchanged chunks from the local copy: a one-byte edit fetches at most two chunks", async () => {
    const data = randomContent(16 << 20);
    const stamp = await writeFileStamped(join(a.root, "big.bin"), data);
    const v1 = await a.uploader.upload("big.bin", join(a.root, "big.bin"), stamp);
    expect(v1.chunks.length).toBeGreaterThan(20);
    const target = join(b.root, "big.bin");
    const local = await b.downloader.download("big.bin", target, { mtimeMs: 1e12, mode: 0o644, ...v1 }, null);
    const fetchedFirst = total(b.traffic.received, "/api/chunks/fetch");
    expect(fetchedFirst).toBeGreaterThan(data.length);

    data[9_000_000] = data[9_000_000]! ^ 0xff;
    const stamp2 = await writeFileStamped(join(a.root, "big.bin"), data);
    const v2 = await a.uploader.upload("big.bin", join(a.root, "big.bin"), stamp2);
    await b.downloader.download("big.bin", target, { mtimeMs: 2e12, mode: 0o644, ...v2 }, local);
    const fetched = total(b.traffic.received, "/api/chunks/fetch") - fetchedFirst;
    const largest = Math.max(...v2.chunks.map((c) => c.size));
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThanOrEqual(2 * (largest + 70_000));
    expect(Buffer.compare(await readFile(target), Buffer.from(data))).toBe(0);
  });

  it("refuses a chunk whose stored bytes were altered: IntegrityError, target kept, no temp file", async () => {
    const { chunk, manifest } = await fabricate(randomContent(5000) as Uint8Array<ArrayBuffer>);
    // The header stays valid (format, epoch); one ciphertext byte differs.
    const forged = chunk.data.slice();
    forged[200] = forged[200]! ^ 0x01;
    await putChunk(b.target, chunk.id, forged);
    const target = join(b.root, "kept.txt");
    await writeFile(target, "the user's file");
    const before = await stampOf(target);
    await expect(b.downloader.download("kept.txt", target, manifest, before)).rejects.toBeInstanceOf(IntegrityError);
    expect(await readFile(target, "utf8")).toBe("the user's file");
    expect(await temps(b.root)).toEqual([]);
  });

  it("says clearly when the server lacks a chunk", async () => {
    const { chunk, manifest } = await fabricate(randomContent(7000) as Uint8Array<ArrayBuffer>);
    const target = join(b.root, "never.txt");
    const error = await b.downloader.download("never.txt", target, manifest, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingChunkError);
    expect((error as MissingChunkError).chunkId).toBe(chunk.id);
    expect((error as Error).message).not.toContain("never.txt");
    expect(await temps(b.root)).toEqual([]);
    await expect(readFile(target)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a manifest whose content hash does not match its chunks, before fetching", async () => {
    const { manifest } = await fabricate(randomContent(100) as Uint8Array<ArrayBuffer>);
    const requests = total(b.traffic.requests);
    await expect(b.downloader.download("x", join(b.root, "x"), { ...manifest, contentHash: "0".repeat(64) }, null)).rejects.toBeInstanceOf(IntegrityError);
    await expect(b.downloader.download("x", join(b.root, "x"), { ...manifest, size: 99 }, null)).rejects.toBeInstanceOf(IntegrityError);
    expect(total(b.traffic.requests)).toBe(requests);
  });

  it("keeps the user's file when it changed during the download: LocalChangedError", async () => {
    const data = randomContent(3 << 20);
    const stamp = await writeFileStamped(join(a.root, "edited.bin"), data);
    const up = await a.uploader.upload("edited.bin", join(a.root, "edited.bin"), stamp);
    const target = join(b.root, "edited.bin");
    await writeFile(target, "old");
    const expectLocal = await stampOf(target);
    let edited = false;
    const side = await bench.side({
      downloader: {
        root: b.root,
        onBytes: () => {
          if (!edited) {
            edited = true;
            writeFileSync(target, "the user's newer edit");
          }
        },
      },
    });
    await expect(side.downloader.download("edited.bin", target, { mtimeMs: 1e12, mode: 0o644, ...up }, expectLocal)).rejects.toBeInstanceOf(LocalChangedError);
    expect(await readFile(target, "utf8")).toBe("the user's newer edit");
    expect(await temps(b.root)).toEqual([]);
    // A target that appeared where none was expected is kept too.
    await expect(b.downloader.download("edited.bin", target, { mtimeMs: 1e12, mode: 0o644, ...up }, null)).rejects.toBeInstanceOf(LocalChangedError);
  });

  it("rejects with the signal's reason when aborted, leaving no temp file", async () => {
    const data = randomContent(6 << 20);
    const stamp = await writeFileStamped(join(a.root, "abort.bin"), data);
    const up = await a.uploader.upload("abort.bin", join(a.root, "abort.bin"), stamp);
    const controller = new AbortController();
    const reason = new Error("stopped by the user");
    const side = await bench.side({ downloader: { root: b.root, onBytes: () => controller.abort(reason) } });
    await expect(side.downloader.download("abort.bin", join(b.root, "abort.bin"), { mtimeMs: 1e12, mode: 0o644, ...up }, null, controller.signal)).rejects.toBe(reason);
    expect(await temps(b.root)).toEqual([]);
    await expect(readFile(join(b.root, "abort.bin"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("fails clearly when the target folder cannot take the file, leaving nothing behind", async () => {
    const { chunk, manifest } = await fabricate(randomContent(2000) as Uint8Array<ArrayBuffer>);
    await putChunk(b.target, chunk.id, chunk.data);
    await writeFile(join(b.root, "a-file"), "x");
    await expect(b.downloader.download("a-file/child", join(b.root, "a-file", "child"), manifest, null)).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(b.downloader.download("gone/child", join(b.root, "gone", "child"), manifest, null)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(b.downloader.download("../out", join(b.root, "..", "out"), manifest, null)).rejects.toBeInstanceOf(RangeError);
    expect(await temps(b.root)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)("fails with EACCES in a read-only folder, leaving no temp file", async () => {
    const { chunk, manifest } = await fabricate(randomContent(2000) as Uint8Array<ArrayBuffer>);
    await putChunk(b.target, chunk.id, chunk.data);
    const dir = join(b.root, "readonly");
    await mkdir(dir, { mode: 0o555 });
    await expect(b.downloader.download("readonly/f", join(dir, "f"), manifest, null)).rejects.toMatchObject({ code: "EACCES" });
    expect(await temps(dir)).toEqual([]);
  });
});

describe("removeTempFiles", () => {
  it("removes leftovers anywhere below the folder and nothing else", async () => {
    const root = join(bench.dir, "crash");
    await mkdir(join(root, "deep", "er"), { recursive: true });
    for (const p of [join(root, `${TEMP_PREFIX}1`), join(root, "deep", "er", `${TEMP_PREFIX}abc`)]) await (await open(p, "w")).close();
    await writeFile(join(root, "deep", "keep.txt"), "keep");
    await writeFile(join(root, "syncagent-tmp-not-ours"), "keep");
    expect(await removeTempFiles(root)).toBe(2);
    expect((await readdir(root)).sort()).toEqual(["deep", "syncagent-tmp-not-ours"]);
    expect(await readdir(join(root, "deep", "er"))).toEqual([]);
    expect(await removeTempFiles(root)).toBe(0);
    expect(isTempName(`${TEMP_PREFIX}x`)).toBe(true);
    expect(isTempName("notes.txt")).toBe(false);
  });
});
