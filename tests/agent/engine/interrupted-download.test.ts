// A pass that stops because the server went away mid-download (A6, A13, C6): the files it placed
// before that are on disk and in the synced tree, and the next pass must see them there. Found by
// the cluster check: a server process killed under a downloading agent made that agent delete the
// files it had just downloaded on the server and upload them again as new nodes.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { readTree, startTestAgent, type TestAgent } from "../helpers/engines.ts";

describe("a download pass cut by the network", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  /** Bytes of chunk answers B receives before its connection is cut (Infinity: never). */
  let cutAfter = Infinity;
  const cutting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("/api/chunks/") || !res.body || !Number.isFinite(cutAfter)) return res;
    // The answer streams until `cutAfter` bytes, then the connection drops, as when the server process dies.
    const reader = res.body.getReader();
    let passed = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        if (passed + value.byteLength > cutAfter) {
          controller.enqueue(value.subarray(0, Math.max(0, cutAfter - passed)));
          passed = cutAfter;
          void reader.cancel();
          return controller.error(Object.assign(new Error("The socket connection was closed unexpectedly"), { code: "ECONNRESET" }));
        }
        passed += value.byteLength;
        controller.enqueue(value);
      },
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  beforeEach(async () => {
    server = await startTestServer();
    a = await startTestAgent(server, "alpha");
    b = await startTestAgent(server, "beta", { fetch: cutting });
    cutAfter = Infinity;
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await server.close();
  });

  /** Versions on the server: how many, and how many of them delete a node. */
  async function versions(): Promise<{ all: number; deletes: number; nodes: number }> {
    const rs = await server.ctx.db.execute("SELECT count(*) AS all_, sum(CASE WHEN kind = 'delete' THEN 1 ELSE 0 END) AS deletes, count(DISTINCT node_id) AS nodes FROM versions");
    const row = rs.rows[0]!;
    return { all: Number(row.all_), deletes: Number(row.deletes ?? 0), nodes: Number(row.nodes) };
  }

  it("the next pass finds the files placed before the cut: nothing deleted on the server, nothing uploaded again", async () => {
    // Files of a few chunks each, in folders: many fetches, so the cut comes with some files placed and others not.
    for (let d = 0; d < 4; d++) {
      await mkdir(join(a.root, `dir-${d}`));
      for (let f = 0; f < 6; f++) await writeFile(join(a.root, `dir-${d}`, `f-${f}.bin`), Buffer.alloc(600_000 + d * 1000 + f, d * 16 + f));
    }
    await a.sync();
    const before = await versions();
    expect(before).toMatchObject({ deletes: 0, nodes: 4 + 24 });

    // The 24 files' chunks come in one or two answers: cut after about half of their 14 MB.
    cutAfter = 7_000_000;
    await expect(b.engine.pass()).rejects.toThrow(/was cut/);
    cutAfter = Infinity;
    const placed = Object.keys(await readTree(b.root)).filter((p) => p.endsWith(".bin")).length;
    expect(placed).toBeGreaterThan(0);
    expect(placed).toBeLessThan(24);

    // As the running agent passes: no full scan, the disk's changes come from the watcher, which took B's own writes
    // for their echo.
    await b.engine.syncUntilSettled(20, { fullScan: false });
    expect(await readTree(b.root)).toEqual(await readTree(a.root));
    // Without the fix: B's next pass planned a delete of every file it had placed (its scan had not seen them) and
    // then uploaded them again as new nodes.
    expect(await versions()).toEqual(before);
    await a.sync();
    expect(await readTree(a.root)).toEqual(await readTree(b.root));
    expect(await versions()).toEqual(before);
  });
});
