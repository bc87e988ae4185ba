// A file modified while it is being transferred (A16, A8): changed during
// its own upload, the other machine gets the final content, never a mix of
// old and new chunks; changed locally during its download, the local edit
// is kept (as the file or as a conflict copy), never overwritten.
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { startTestAgent, type TestAgent } from "../helpers/engines.ts";
import { filesUnder, sha256Of, tempFilesUnder, textOrNull } from "./disk.ts";

const sizes = { minSize: 64 << 10, avgSize: 256 << 10, maxSize: 1 << 20 };
let server: TestServer;
let a: TestAgent;
let b: TestAgent;
/** Runs once, after the request it was armed for got its answer. */
const hooks: { a: ((url: string, method: string) => void) | null; b: ((url: string, method: string) => void) | null } = { a: null, b: null };

function hooked(side: "a" | "b"): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const hook = hooks[side];
    if (hook) hook(String(input instanceof Request ? input.url : input), init?.method ?? "GET");
    return res;
  };
}

beforeAll(async () => {
  server = await startTestServer();
  a = await startTestAgent(server, "alpha", { chunkSizes: sizes, fetch: hooked("a") });
  b = await startTestAgent(server, "beta", { chunkSizes: sizes, fetch: hooked("b") });
});
afterAll(async () => {
  await a.close();
  await b.close();
  await server.close();
});

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

it("a file rewritten after its first chunk was sent reaches B as its final content", async () => {
  const path = join(a.root, "report.bin");
  await writeFile(path, randomBytes(4 << 20));
  const final = randomBytes((3 << 20) + 12345);
  let rewritten = false;
  hooks.a = (url, method) => {
    if (!rewritten && url.includes("/api/chunks") && method !== "GET") {
      rewritten = true;
      writeFileSync(path, final);
    }
  };
  await a.sync();
  hooks.a = null;
  expect(rewritten).toBe(true);
  await b.sync();
  expect(await sha256Of(join(b.root, "report.bin"))).toBe(sha(final));
  expect(await sha256Of(path)).toBe(sha(final));
  expect(await tempFilesUnder(b.root)).toEqual([]);
});

it("a local edit made on B while B downloads a new version is kept", async () => {
  const pathA = join(a.root, "plan.bin");
  const pathB = join(b.root, "plan.bin");
  await writeFile(pathA, "first version");
  await a.sync();
  await b.sync();
  expect(await textOrNull(pathB)).toBe("first version");

  const second = randomBytes(4 << 20);
  await writeFile(pathA, second);
  await a.sync();
  let edited = false;
  hooks.b = (url) => {
    if (!edited && url.includes("/api/chunks")) {
      edited = true;
      writeFileSync(pathB, "edited on B during the download");
    }
  };
  await b.sync();
  hooks.b = null;
  expect(edited).toBe(true);
  await a.sync();
  await b.sync();
  for (const agent of [a, b]) {
    const files = await filesUnder(agent.root);
    const texts = [...files.values()];
    // B's edit survives on both machines, and so does A's version.
    expect(texts.filter((t) => t === "edited on B during the download")).toHaveLength(1);
    const digests = await Promise.all([...files.keys()].map((rel) => sha256Of(join(agent.root, rel))));
    expect(digests).toContain(sha(second));
    expect(await tempFilesUnder(agent.root)).toEqual([]);
  }
});
