// Progress names the file's node (W8): the dashboard decrypts its name in the browser; no path leaves the machine.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { startTestAgent, type TestAgent } from "../helpers/engines.ts";

describe("progress names the node in transfer", () => {
  let server: TestServer;
  let a: TestAgent;
  let b: TestAgent;
  const seen: { who: string; path: string; direction: string; nodeId: string | undefined }[] = [];
  beforeEach(async () => {
    server = await startTestServer();
    seen.length = 0;
    a = await startTestAgent(server, "alpha", { onBytes: (path, _d, _t, direction, nodeId) => seen.push({ who: "alpha", path, direction, nodeId }) });
    b = await startTestAgent(server, "beta", { onBytes: (path, _d, _t, direction, nodeId) => seen.push({ who: "beta", path, direction, nodeId }) });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await server.close();
  });

  it("passes the node of each upload and download, and forgets it once done", async () => {
    await writeFile(join(a.root, "report.txt"), "x".repeat(200_000));
    await a.sync();
    await b.sync();
    const node = [...a.engine.synced.values()].find((n) => n.name === "report.txt");
    expect(node?.nodeId).toMatch(/^[0-9a-f]{32}$/);
    const up = seen.filter((s) => s.who === "alpha" && s.path === "report.txt");
    const down = seen.filter((s) => s.who === "beta" && s.path === "report.txt");
    expect(up.length).toBeGreaterThan(0);
    expect(down.length).toBeGreaterThan(0);
    expect(new Set(up.map((s) => `${s.direction}:${s.nodeId}`))).toEqual(new Set([`upload:${node!.nodeId}`]));
    expect(new Set(down.map((s) => `${s.direction}:${s.nodeId}`))).toEqual(new Set([`download:${node!.nodeId}`]));
    expect(a.engine.transferring.size).toBe(0);
    expect(b.engine.transferring.size).toBe(0);
  });
});
