// A hostile server replaying old `/ws/changes` notifications (C6, E3, A13,
// Q2): the long-running agent of machine B, behind the proxy, is sent a
// change message it already handled (an older version of a file), many
// times over, and an old `hello`. A notification only tells the agent to
// pull from its own cursor; what it pulls is verified as always. So: no
// wrong write (the newer version stays), no temp file, no loop (a few pulls,
// not a storm), and later changes still arrive.
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnAgent, type AgentProcess } from "../agent/e2e/agent-process.ts";
import { sha256Of, tempFilesUnder } from "../agent/e2e/disk.ts";
import { waitFor } from "../helpers/wait.ts";
import { put, startScene, type Scene } from "./setup.ts";

let s: Scene;
let agent: AgentProcess;

beforeAll(async () => {
  s = await startScene();
  agent = spawnAgent(s.b);
  await agent.ready();
});
afterAll(async () => {
  await agent.stop();
  await s.close();
});

const onB = (name: string, sha: string) => async () => (await sha256Of(join(s.b.folder, name))) === sha;

it("10. a replayed change notification makes no wrong write and no loop", async () => {
  await waitFor("B's change feed", () => s.proxy.wsMessages.some((m) => m.includes('"hello"')), 30_000);
  await put(s, "feed.txt", "version one");
  await s.syncA();
  const v1Message = await waitFor("the change message of version 1", () => s.proxy.wsMessages.find((m) => m.includes('"changes"') && m.includes("FileVersionCommitted")), 30_000);
  const hello = s.proxy.wsMessages.find((m) => m.includes('"hello"'))!;
  const v2 = await put(s, "feed.txt", "version two");
  await s.syncA();
  await waitFor("version two on B", onB("feed.txt", v2), 30_000);

  // The old messages, sent again and again between the server's own frames.
  const pullsBefore = s.proxy.count("/api/changes");
  for (let i = 0; i < 20; i++) expect(s.proxy.injectWs(i % 5 === 4 ? hello : v1Message)).toBeGreaterThan(0);
  // The agent reads them: it pulls, though nothing changed.
  await waitFor("a pull the replay caused", () => s.proxy.count("/api/changes") > pullsBefore, 30_000);
  const pullsReplayed = s.proxy.count("/api/changes") - pullsBefore;
  const after = await put(s, "after.txt", "a later change");
  await s.syncA();
  await waitFor("the later change on B", onB("after.txt", after), 30_000);
  expect(await sha256Of(join(s.b.folder, "feed.txt"))).toBe(v2);
  expect(await tempFilesUnder(s.b.folder)).toEqual([]);
  const pullsDuring = s.proxy.count("/api/changes") - pullsBefore;
  // Each notification schedules a pass at most; passes never overlap and coalesce: far fewer pulls than messages, and no storm.
  expect(pullsReplayed).toBeGreaterThan(0);
  expect(pullsDuring).toBeLessThanOrEqual(25);

  // Settled: one more change costs a handful of pulls, not a loop.
  const settled = s.proxy.count("/api/changes");
  const last = await put(s, "last.txt", "and the last");
  await s.syncA();
  await waitFor("the last change on B", onB("last.txt", last), 30_000);
  expect(s.proxy.count("/api/changes") - settled).toBeLessThanOrEqual(6);
  expect(await sha256Of(join(s.b.folder, "feed.txt"))).toBe(v2);
  expect(agent.log()).not.toMatch(/refused|Refusing/);
});
