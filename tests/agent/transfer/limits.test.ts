// The transfer's small primitives: a child AbortController follows its
// parent with the parent's reason until it is unlinked, the parent holding
// one listener for all its children, and uploads and downloads add no
// listener per file to the caller's (long-lived) signal.
import { getEventListeners } from "node:events";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childController } from "../../../lib/agent/transfer/limits.ts";
import { randomContent, startBench, writeFileStamped, type Bench, type Side } from "./harness.ts";

describe("childController", () => {
  it("aborts with the parent's reason, at once when the parent already is", () => {
    const parent = new AbortController();
    const child = childController(parent.signal);
    expect(child.controller.signal.aborted).toBe(false);
    const reason = new Error("stop");
    parent.abort(reason);
    expect(child.controller.signal.reason).toBe(reason);
    const late = childController(parent.signal);
    expect(late.controller.signal.reason).toBe(reason);
    late.unlink();
  });

  it("stops following once unlinked, and aborts on its own; one listener serves every child", () => {
    const parent = new AbortController();
    const child = childController(parent.signal);
    const others = Array.from({ length: 50 }, () => childController(parent.signal));
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
    child.unlink();
    parent.abort(new Error("stop"));
    expect(child.controller.signal.aborted).toBe(false);
    expect(others.every((o) => o.controller.signal.aborted)).toBe(true);
    const alone = childController(undefined);
    alone.controller.abort(new Error("own"));
    expect(alone.controller.signal.aborted).toBe(true);
    alone.unlink();
  });
});

describe("signals of transfers", () => {
  let bench: Bench;
  let a: Side;
  let b: Side;
  beforeAll(async () => {
    bench = await startBench();
    a = await bench.side({ uploader: { chunkSizes: { minSize: 64 << 10, avgSize: 256 << 10, maxSize: 1 << 20 } } });
    b = await bench.side();
  });
  afterAll(async () => {
    await bench.close();
  });

  it("add no listener per file to the caller's signal, for one-chunk and many-chunk files", async () => {
    const pass = new AbortController();
    for (const size of [3000, 3 << 20]) {
      const path = join(a.root, `f${size}.bin`);
      const stamp = await writeFileStamped(path, randomContent(size));
      const up = await a.uploader.upload(`f${size}.bin`, path, stamp, pass.signal);
      expect(getEventListeners(pass.signal, "abort").length).toBeLessThanOrEqual(1);
      const manifest = { size, mtimeMs: stamp.mtimeMs, mode: 0o644, chunks: up.chunks, contentHash: up.contentHash };
      await b.downloader.download(`f${size}.bin`, join(b.root, `f${size}.bin`), manifest, null, pass.signal);
      expect(getEventListeners(pass.signal, "abort").length).toBeLessThanOrEqual(1);
    }
  });
});
