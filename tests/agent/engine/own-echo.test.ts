// This machine's own commits come back through the change log (C6): an exact repeat of the version
// held counts for nothing; anything else about it is opened and checked, so a forged echo is refused.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { startTestAgent, type TestAgent } from "../helpers/engines.ts";

interface Payload {
  nodeId: string;
  kind: string;
  encName: string;
  version: number;
  manifest: string;
}

describe("own commits echoed by the change log (C6)", () => {
  let server: TestServer;
  let a: TestAgent;
  /** Rewrites the records of each changes page A reads (identity unless a test sets it). */
  let rewrite: (records: Payload[]) => void = () => undefined;
  const seen: Payload[] = [];
  const tampering: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (!String(input instanceof Request ? input.url : input).includes("/api/changes")) return res;
    const body = (await res.json()) as { changes: Array<{ type: string; payload: Payload }> };
    const records = body.changes.filter((c) => c.type === "FileVersionCommitted").map((c) => c.payload);
    seen.push(...records.map((r) => ({ ...r })));
    rewrite(records);
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
  beforeEach(async () => {
    server = await startTestServer();
    a = await startTestAgent(server, "alpha", { fetch: tampering });
    rewrite = () => undefined;
    seen.length = 0;
  });
  afterEach(async () => {
    await a.close();
    await server.close();
  });

  const refusals = () => a.events.filter((e) => e.type === "refused");
  const nodeOf = (name: string) => [...a.engine.remote.nodes.values()].find((n) => n.name === name);

  it("an exact echo changes nothing and is not refused, even with its name ciphertext swapped", async () => {
    await writeFile(join(a.root, "one.txt"), "1");
    await writeFile(join(a.root, "two.txt"), "2");
    await a.sync();
    const held = { one: nodeOf("one.txt")!, two: nodeOf("two.txt")! };
    expect(seen.filter((r) => r.nodeId === held.one.nodeId)).toHaveLength(1); // the echo was read
    expect(refusals()).toEqual([]);
    // The next echo carries another node's name ciphertext: nothing of it is used, the tree stays as held.
    await writeFile(join(a.root, "one.txt"), "1 again, longer");
    rewrite = (records) => {
      for (const r of records) if (r.nodeId === held.one.nodeId) r.encName = seen.find((s) => s.nodeId === held.two.nodeId)!.encName;
    };
    await a.sync();
    expect(refusals()).toEqual([]);
    expect(nodeOf("one.txt")).toMatchObject({ nodeId: held.one.nodeId, version: 2 });
    expect(nodeOf("two.txt")).toEqual(held.two);
  });

  it("an echo of the held version with another manifest is opened and refused; the version held stays", async () => {
    await writeFile(join(a.root, "notes.txt"), "v1");
    await a.sync();
    const v1 = seen.find((r) => r.version === 1)!;
    await writeFile(join(a.root, "notes.txt"), "v2, different");
    // A fork: version 2 of the node, served with version 1's manifest.
    rewrite = (records) => {
      for (const r of records) if (r.nodeId === v1.nodeId && r.version === 2) r.manifest = v1.manifest;
    };
    await a.sync();
    expect(refusals().length).toBeGreaterThan(0);
    const held = nodeOf("notes.txt");
    expect(held?.version).toBe(2);
    expect(a.engine.remote.refusals.get(v1.nodeId)?.version).toBe(2);
  });

  it("an echo whose manifest is not even base64 is refused like any broken record", async () => {
    await writeFile(join(a.root, "x.txt"), "x");
    rewrite = (records) => {
      for (const r of records) r.manifest = "not base64!";
    };
    await a.sync();
    expect(refusals().length).toBeGreaterThan(0);
    expect(nodeOf("x.txt")?.version).toBe(1);
  });

  it("an echo of the held version under another kind is opened and refused", async () => {
    await writeFile(join(a.root, "k.txt"), "k");
    rewrite = (records) => {
      for (const r of records) r.kind = "dir";
    };
    await a.sync();
    expect(refusals().length).toBeGreaterThan(0);
    expect(nodeOf("k.txt")).toMatchObject({ kind: "file", version: 1 });
  });
});
