// A lone small upload asks its question and sends its chunk at once (A6, protocol efficiency): the
// requests wait for company only while another file is still being read. Its reading can end before its
// encryption does; the question asked after that must not wait out the linger.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomContent, startBench, total, writeFileStamped, type Bench, type Side } from "./harness.ts";

let bench: Bench;
let a: Side;

beforeAll(async () => {
  bench = await startBench();
  // A linger far longer than the test: a request that waits for company never leaves in time.
  a = await bench.side({ uploader: { sender: { lingerMs: 3_600_000 } } });
});
afterAll(async () => {
  await bench.close();
});

describe("a lone upload (A6)", () => {
  it.each([1, 3000, 60_000])("of %i bytes goes out without waiting for company", { timeout: 30_000 }, async (size) => {
    const rel = `lone/f-${size}.bin`;
    const stamp = await writeFileStamped(join(a.root, rel), randomContent(size));
    const before = total(a.traffic.requests, "/api/chunks/");
    const up = await a.uploader.upload(rel, join(a.root, rel), stamp);
    expect(up.chunks.reduce((s, c) => s + c.size, 0)).toBe(size);
    // It asked which chunks the server lacks and sent the one it lacked.
    expect(total(a.traffic.requests, "/api/chunks/") - before).toBeGreaterThanOrEqual(2);
  });
});
