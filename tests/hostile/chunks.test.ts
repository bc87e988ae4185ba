// A hostile server tampering with chunk answers (C6, K2, Q1, Q2): between
// machine B and a real server, the proxy rewrites `POST /api/chunks/fetch`
// answers, each frame given a digest that matches its new bytes so only the
// agent's own checks stand in the way. Each attack: `sync` exits 1 naming
// the file and the failure, B's disk holds no wrong byte and no temp file,
// and another file of the same run arrives intact. Once the server answers
// honestly again, the refused files arrive (asserted by the next test).
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { runAgentCli } from "../agent/keys/cli-harness.ts";
import { fetchChunkBytes, frameOf, isChunkFetch, joinFrames, parseFrames, put, remoteFile, startScene, expectDisk, type Frame, type Scene } from "./setup.ts";

let s: Scene;
/** Files every later run must still find intact (name → SHA-256). */
const synced: Record<string, string> = {};
/** Files refused so far, with their true content: the last test heals them (a failed file waits for its retry time). */
const refused: Record<string, string> = {};

beforeAll(async () => {
  s = await startScene();
});
afterAll(async () => {
  await s.close();
});
beforeEach(() => s.proxy.clear());

const INTEGRITY = /Cannot decrypt chunk: it was altered or does not belong here/;

function failure(summary: { failed: Array<{ path: string; error: string }> }, path: string): string | undefined {
  return summary.failed.find((f) => f.path === path)?.error;
}

/** Rewrites each chunk answer's frames; unchanged answers stay unchanged. */
function onFrames(change: (frames: Frame[]) => Frame[] | null): void {
  s.proxy.rewrite(isChunkFetch, (ex) => {
    const out = change(parseFrames(ex.body));
    return out ? joinFrames(out) : null;
  });
}

it("1. refuses chunks swapped between two files, and syncs a third", async () => {
  const x = await put(s, "swap-x.txt", "the first file ".repeat(300));
  const y = await put(s, "swap-y.txt", "the second file ".repeat(400));
  const z = await put(s, "swap-z.txt", "a bystander");
  await s.syncA();
  const [cx] = (await remoteFile(s, "swap-x.txt")).chunks;
  const [cy] = (await remoteFile(s, "swap-y.txt")).chunks;
  // Each file's chunk id answered with the other file's stored bytes (in one answer or two).
  const bytesOf = new Map([
    [cx!, await fetchChunkBytes(s, cy!)],
    [cy!, await fetchChunkBytes(s, cx!)],
  ]);
  onFrames((frames) => (frames.some((f) => bytesOf.has(f.id)) ? frames.map((f) => (bytesOf.has(f.id) ? frameOf(f.id, bytesOf.get(f.id)!) : f)) : null));
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBeGreaterThan(0);
  s.proxy.clear();
  expect(b.code).toBe(1);
  expect(failure(b.summary, "swap-x.txt")).toMatch(INTEGRITY);
  expect(failure(b.summary, "swap-y.txt")).toMatch(INTEGRITY);
  await expectDisk(s, ["swap-x.txt", "swap-y.txt"], { "swap-z.txt": z });
  synced["swap-z.txt"] = z;
  Object.assign(refused, { "swap-x.txt": x, "swap-y.txt": y });
});

it("2. ignores a reordered plaintext chunk list and refuses chunk bytes moved to another place of the file", async () => {
  const big = await put(s, "reorder-big.bin", 9 << 20);
  const other = await put(s, "reorder-other.txt", "sound");
  await s.syncA();
  const ids = (await remoteFile(s, "reorder-big.bin")).chunks;
  expect(ids.length).toBeGreaterThan(1);
  // What the server can reorder: the plaintext chunk lists it serves with every record...
  s.proxy.rewrite(
    (_m, path) => path.startsWith("/api/changes") || path.startsWith("/api/snapshot"),
    (ex) => {
      const text = ex.body.toString("utf8");
      const reversed = text.replace(/"chunks":\[([^\]]*)\]/g, (_all, list: string) => `"chunks":[${list.split(",").reverse().join(",")}]`);
      return reversed === text ? null : Buffer.from(reversed);
    },
  );
  // ...and the chunk bytes in the answer: each of the file's ids carries the next one's bytes.
  onFrames((frames) => {
    const mine = frames.filter((f) => f.bytes && ids.includes(f.id));
    if (mine.length < 2) return null;
    return frames.map((f) => {
      const i = mine.indexOf(f);
      return i < 0 ? f : frameOf(f.id, mine[(i + 1) % mine.length]!.bytes!);
    });
  });
  const b = await s.syncB();
  const [lists, frames] = s.proxy.rules;
  s.proxy.clear();
  expect(lists!.hits).toBeGreaterThan(0);
  expect(frames!.hits).toBeGreaterThan(0);
  expect(b.code).toBe(1);
  expect(failure(b.summary, "reorder-big.bin")).toMatch(INTEGRITY);
  await expectDisk(s, ["reorder-big.bin"], { ...synced, "reorder-other.txt": other });
  synced["reorder-other.txt"] = other;
  refused["reorder-big.bin"] = big;

  // With only the plaintext lists reversed, the file arrives as written: the agent orders chunks by its sealed manifest.
  const later = await put(s, "reorder-later.bin", 9 << 20);
  await s.syncA();
  s.proxy.rewrite(
    (_m, path) => path.startsWith("/api/changes"),
    (ex) => {
      const text = ex.body.toString("utf8");
      const reversed = text.replace(/"chunks":\[([^\]]*)\]/g, (_all, list: string) => `"chunks":[${list.split(",").reverse().join(",")}]`);
      return reversed === text ? null : Buffer.from(reversed);
    },
  );
  // (--retry: the files refused above are tried now too, not at their retry time, so the run can end in sync.)
  const c = await s.syncB(["--retry"]);
  expect(s.proxy.rules[0]!.hits).toBeGreaterThan(0);
  s.proxy.clear();
  expect(c.code, c.text).toBe(0);
  await expectDisk(s, [], { ...synced, ...refused, "reorder-later.bin": later });
  synced["reorder-later.bin"] = later;
  Object.assign(synced, refused);
});

it("2b. takes the frames of an answer by id: frames in another order than asked change nothing", async () => {
  const big = await put(s, "order-big.bin", 9 << 20);
  await s.syncA();
  const ids = new Set((await remoteFile(s, "order-big.bin")).chunks);
  expect(ids.size).toBeGreaterThan(1);
  // The file's chunks are asked for in one request: its frames come back last first.
  onFrames((frames) => (frames.filter((f) => ids.has(f.id)).length > 1 ? [...frames].reverse() : null));
  const b = await s.syncB(["--retry"]);
  expect(s.proxy.rules[0]!.hits).toBeGreaterThan(0);
  expect(b.code, b.text).toBe(0);
  await expectDisk(s, [], { ...synced, ...refused, "order-big.bin": big });
  synced["order-big.bin"] = big;
  Object.assign(synced, refused);
});

it("5. refuses a file whose chunk is dropped from the answer or marked missing, and syncs the rest", async () => {
  const gone = await put(s, "drop-gone.txt", "left out ".repeat(300));
  const hole = await put(s, "drop-hole.txt", "said missing ".repeat(300));
  const kept = await put(s, "drop-kept.txt", "delivered");
  await s.syncA();
  const [cg] = (await remoteFile(s, "drop-gone.txt")).chunks;
  const [ch] = (await remoteFile(s, "drop-hole.txt")).chunks;
  onFrames((frames) => {
    if (!frames.some((f) => f.id === cg || f.id === ch)) return null;
    // A frame dropped from the middle of the answer, a stray frame in its place, and a chunk said missing.
    const out = frames.filter((f) => f.id !== cg).map((f) => (f.id === ch ? { id: ch, sha: "0".repeat(64), bytes: null } : f));
    return [...out.slice(0, 1), frameOf("ab".repeat(32), Buffer.from("not asked for")), ...out.slice(1)];
  });
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBeGreaterThan(0);
  s.proxy.clear();
  expect(b.code).toBe(1);
  expect(failure(b.summary, "drop-gone.txt")).toMatch(/Integrity check failed: chunk [0-9a-f]{64} was asked for and the server's answer leaves it out/);
  expect(failure(b.summary, "drop-hole.txt")).toMatch(/The server does not hold chunk [0-9a-f]{64} of this file version/);
  await expectDisk(s, ["drop-gone.txt", "drop-hole.txt"], { ...synced, "drop-kept.txt": kept });
  synced["drop-kept.txt"] = kept;
  Object.assign(refused, { "drop-gone.txt": gone, "drop-hole.txt": hole });
});

it("6. refuses another file's stored blob served under the requested chunk id", async () => {
  const wanted = await put(s, "blob-wanted.txt", "the requested content ".repeat(100));
  const beside = await put(s, "blob-beside.txt", "arrives");
  await s.syncA();
  const [id] = (await remoteFile(s, "blob-wanted.txt")).chunks;
  // A genuine stored chunk of the vault (another file's, synced long before), as the server holds it.
  const foreign = await fetchChunkBytes(s, (await remoteFile(s, "swap-z.txt")).chunks[0]!);
  onFrames((frames) => (frames.some((f) => f.id === id) ? frames.map((f) => (f.id === id ? frameOf(id, foreign) : f)) : null));
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  s.proxy.clear();
  expect(b.code).toBe(1);
  expect(failure(b.summary, "blob-wanted.txt")).toMatch(INTEGRITY);
  await expectDisk(s, ["blob-wanted.txt"], { ...synced, "blob-beside.txt": beside });
  synced["blob-beside.txt"] = beside;
  refused["blob-wanted.txt"] = wanted;
});

it("7. refuses a shortened frame and a cut answer, leaving no temp file, then syncs everything once answered honestly", async () => {
  const short = await put(s, "cut-short.txt", "shortened ".repeat(400));
  const fine = await put(s, "cut-fine.txt", "whole");
  await s.syncA();
  const [cs] = (await remoteFile(s, "cut-short.txt")).chunks;
  // A frame cut short, with a length and a digest that match what is left of it.
  onFrames((frames) => (frames.some((f) => f.id === cs) ? frames.map((f) => (f.id === cs ? frameOf(cs, f.bytes!.subarray(0, f.bytes!.length >> 1)) : f)) : null));
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  s.proxy.clear();
  expect(b.code).toBe(1);
  expect(failure(b.summary, "cut-short.txt")).toMatch(INTEGRITY);
  await expectDisk(s, ["cut-short.txt"], { ...synced, "cut-fine.txt": fine });
  synced["cut-fine.txt"] = fine;
  refused["cut-short.txt"] = short;

  // The body of an answer cut in the middle of a large file's second chunk: its first chunk was already written to a temp file.
  const cut = await put(s, "cut-body.bin", 9 << 20);
  await s.syncA();
  const ids = (await remoteFile(s, "cut-body.bin")).chunks;
  expect(ids.length).toBeGreaterThan(1);
  s.proxy.rewrite(isChunkFetch, (ex) => {
    const frames = parseFrames(ex.body);
    const second = frames.findIndex((f) => f.id === ids[1]);
    if (second < 0) return null;
    const before = joinFrames(frames.slice(0, second)).length;
    return { body: ex.body, cutAt: before + 68 + (frames[second]!.bytes!.length >> 1) };
  });
  // A cut answer is what a network cut looks like: the pass stops as if the server went away, and is tried again later.
  const c = await runAgentCli(["sync", "--home", s.b.home], { env: s.b.env });
  expect(s.proxy.rules[0]!.hits).toBeGreaterThan(0);
  s.proxy.clear();
  expect(c.code).toBe(1);
  expect(c.out + c.err).toMatch(/The answer of a chunk fetch was cut/);
  await expectDisk(s, ["cut-body.bin"], synced);

  refused["cut-body.bin"] = cut;

  // An honest server again: every refused file arrives with its true bytes (retried now, not at its retry time).
  const healed = await s.syncB(["--retry"]);
  expect(healed.code, healed.text).toBe(0);
  await expectDisk(s, [], { ...synced, ...refused });
});
