// The chunk endpoints over real HTTP, and the frame reader's checks of
// every frame of a fetch answer (S6, protocol efficiency).
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchChunks, findMissingChunks, putChunk, uploadChunkBatch } from "../../../lib/agent/client/chunks.ts";
import { encodeFrames, FRAME_HEADER_BYTES, MISSING_LENGTH, readFrames } from "../../../lib/agent/client/frames.ts";
import { NetworkError, type HttpTarget } from "../../../lib/agent/client/http.ts";
import { IntegrityError } from "../../../lib/crypto/errors.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

let server: TestServer;
let target: HttpTarget;
const id = () => randomBytes(32).toString("hex");

beforeAll(async () => {
  server = await startTestServer();
  target = { serverUrl: server.url, token: server.machine.token };
});
afterAll(async () => {
  await server.close();
});

function streamOf(...pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, ids: string[], maxChunkBytes = 1 << 20) {
  const out = [];
  for await (const f of readFrames(body, { ids, maxChunkBytes, what: "a test" })) out.push(f);
  return out;
}

async function collect2(body: ReadableStream<Uint8Array>, options: Parameters<typeof readFrames>[1]) {
  const out = [];
  for await (const f of readFrames(body, options)) out.push(f);
  return out;
}

describe("chunk client", () => {
  it("stores by PUT and by batch, reports what is missing, and fetches frames back", async () => {
    const one = { id: id(), data: randomBytes(3000) };
    const many = Array.from({ length: 50 }, () => ({ id: id(), data: randomBytes(100 + Math.floor(Math.random() * 2000)) }));
    const absent = id();
    const missing = await findMissingChunks(target, [one.id, ...many.map((c) => c.id), absent]);
    expect(missing.size).toBe(52);
    expect(await putChunk(target, one.id, one.data)).toEqual({ exists: false });
    expect(await putChunk(target, one.id, one.data)).toEqual({ exists: true });
    const statuses = await uploadChunkBatch(target, many);
    expect([...statuses.values()].every((s) => s === "stored")).toBe(true);
    expect([...(await findMissingChunks(target, [one.id, ...many.map((c) => c.id), absent]))]).toEqual([absent]);
    const wanted = [many[3]!.id, absent, one.id];
    const frames = [];
    for await (const f of fetchChunks(target, wanted)) frames.push(f);
    expect(frames.map((f) => f.id)).toEqual(wanted);
    expect(Buffer.compare(frames[0]!.bytes!, many[3]!.data)).toBe(0);
    expect(frames[1]!.bytes).toBeNull();
    expect(Buffer.compare(frames[2]!.bytes!, one.data)).toBe(0);
  });

  it("refuses malformed ids before sending anything", async () => {
    await expect(findMissingChunks(target, ["not-an-id"])).rejects.toBeInstanceOf(RangeError);
    await expect(putChunk(target, "A".repeat(64), new Uint8Array(1))).rejects.toBeInstanceOf(RangeError);
  });
});

describe("readFrames", () => {
  const a = { id: id(), data: randomBytes(5000) };
  const b = { id: id(), data: randomBytes(10) };
  const body = encodeFrames([a, b]);

  it("reads frames split anywhere across pieces", async () => {
    const pieces = [body.subarray(0, 3), body.subarray(3, 70), body.subarray(70, 4000), body.subarray(4000)];
    const frames = await collect(streamOf(...pieces), [a.id, b.id]);
    expect(frames.map((f) => Buffer.from(f.bytes!).toString("hex"))).toEqual([a.data.toString("hex"), b.data.toString("hex")]);
  });

  it("reads a missing frame as null", async () => {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.write(a.id, 0, 32, "hex");
    header.writeUInt32BE(MISSING_LENGTH, 64);
    expect(await collect(streamOf(header), [a.id])).toEqual([{ id: a.id, bytes: null }]);
  });

  it.each([
    ["a truncated body", () => streamOf(body.subarray(0, body.length - 1)), [a.id, b.id]],
    ["a truncated header", () => streamOf(body.subarray(0, 30)), [a.id, b.id]],
  ])("refuses %s with a NetworkError", async (_what, make, ids) => {
    await expect(collect(make(), ids)).rejects.toBeInstanceOf(NetworkError);
  });

  it("takes frames by id: another order than asked changes nothing", async () => {
    const frames = await collect(streamOf(body), [b.id, a.id]);
    expect(frames.map((f) => [f.id, Buffer.from(f.bytes!).toString("hex"), f.error])).toEqual([
      [a.id, a.data.toString("hex"), undefined],
      [b.id, b.data.toString("hex"), undefined],
    ]);
  });

  it("skips a frame not asked for, and one repeated, without failing the others", async () => {
    const stray = { id: id(), data: randomBytes(300) };
    const frames = await collect(streamOf(encodeFrames([stray, a, { id: a.id, data: b.data }, b])), [a.id, b.id]);
    expect(frames.map((f) => [f.id, Buffer.from(f.bytes!).toString("hex")])).toEqual([
      [a.id, a.data.toString("hex")],
      [b.id, b.data.toString("hex")],
    ]);
    expect(frames.every((f) => f.error === undefined)).toBe(true);
  });

  it("fails an id the answer leaves out with an IntegrityError, after the frames it has", async () => {
    const left = id();
    const frames = await collect(streamOf(body), [a.id, left, b.id]);
    expect(frames.map((f) => f.id)).toEqual([a.id, b.id, left]);
    expect(frames[1]?.bytes).not.toBeNull();
    expect(frames[2]?.bytes).toBeNull();
    expect(frames[2]?.error).toBeInstanceOf(IntegrityError);
    expect(frames[2]?.error?.message).toMatch(/leaves it out/);
  });

  it("marks a corrupted frame with an IntegrityError and still delivers the frames after it (the chunk fails, not the answer)", async () => {
    const bad = Buffer.from(body);
    bad[FRAME_HEADER_BYTES + 10]! ^= 1;
    const frames = await collect(streamOf(bad), [a.id, b.id]);
    expect(frames[0]?.bytes).toBeNull();
    expect(frames[0]?.error).toBeInstanceOf(IntegrityError);
    expect(frames[1]?.error).toBeUndefined();
    expect(frames[1]?.bytes).not.toBeNull();
  });

  it("refuses a frame over the size bound", async () => {
    await expect(collect(streamOf(body), [a.id, b.id], 4000)).rejects.toThrow(/over 4000 bytes/);
  });

  it("reserves each frame's length before reading its bytes, into the buffer `allocate` gives", async () => {
    const steps: string[] = [];
    const recycled = new Uint8Array(8192);
    const frames = [];
    const options = {
      ids: [a.id, b.id],
      maxChunkBytes: 1 << 20,
      what: "a test",
      reserve: async (length: number) => {
        steps.push(`reserve ${length}`);
        await Promise.resolve();
      },
      allocate: (length: number) => {
        steps.push(`allocate ${length}`);
        return length > 1000 ? recycled.subarray(0, length) : new Uint8Array(length);
      },
    };
    for await (const f of readFrames(streamOf(body), options)) frames.push(f);
    expect(steps).toEqual(["reserve 5000", "allocate 5000", "reserve 10", "allocate 10"]);
    expect(frames[0]?.bytes?.buffer).toBe(recycled.buffer);
    expect(Buffer.from(frames[0]!.bytes!).equals(a.data)).toBe(true);
    await expect(collect2(streamOf(body), { ...options, allocate: (length: number) => new Uint8Array(length + 1) })).rejects.toThrow(RangeError);
  });

  it("encodes the SHA-256 of each chunk", () => {
    expect(Buffer.from(body.subarray(32, 64)).toString("hex")).toBe(createHash("sha256").update(a.data).digest("hex"));
  });
});
