import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { readCapped } from "../../lib/streams/read-capped.ts";

const bytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 1) & 0xff;
  return out;
};

function streamOf(data: Uint8Array, piece: number): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let offset = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.byteLength) return controller.close();
      controller.enqueue(data.slice(offset, offset + piece));
      offset += piece;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

const tooLong = (): Error => new Error("too long");

describe("readCapped (request bodies)", () => {
  it("gives back the single piece itself when only one arrived and no length was announced", async () => {
    const data = bytes(1000);
    const piece = data.slice();
    const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(piece), c.close()) });
    expect(await readCapped(stream, 10_000, tooLong)).toBe(piece);
  });

  it("joins many pieces byte-exact, with the right length announced, none announced, or a wrong one", async () => {
    const data = bytes(300_000);
    for (const hint of [300_000, undefined, 1000, 500_000, 0, -5, Number.NaN, 10_000_000]) {
      const out = await readCapped(streamOf(data, 7_000).stream, 1_000_000, tooLong, undefined, hint);
      expect(out.byteLength).toBe(data.byteLength);
      expect(Buffer.compare(out, data)).toBe(0);
    }
  });

  it("reads an empty stream as no bytes, announced length or not", async () => {
    for (const hint of [undefined, 100]) {
      const out = await readCapped(streamOf(new Uint8Array(0), 10).stream, 1000, tooLong, undefined, hint);
      expect(out.byteLength).toBe(0);
    }
  });

  it("stops past the cap and cancels the rest, whatever length was announced", async () => {
    for (const hint of [undefined, 100, 5000]) {
      const source = streamOf(bytes(200_000), 1000);
      await expect(readCapped(source.stream, 5000, tooLong, undefined, hint)).rejects.toThrow("too long");
      expect(source.cancelled()).toBe(true);
    }
  });

  it("stops when the deadline rejects first", async () => {
    const stream = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) });
    const deadline = Promise.reject(new Error("late"));
    deadline.catch(() => undefined);
    await expect(readCapped(stream, 1000, tooLong, deadline, 10)).rejects.toThrow("late");
  });
});
