/**
 * Crash safety: a `syncagent server` child killed with SIGKILL in the middle
 * of commits and uploads restarts with consistent tables (no event without
 * its projection or the reverse, no chunk reported present that cannot be
 * read), and keeps every commit it acknowledged.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveServerConfig } from "../../lib/server/config.ts";
import { openDatabase } from "../../lib/server/db/open.ts";
import { checkConsistency } from "../../lib/server/files/consistency.ts";
import { openLocalChunkStore } from "../../lib/storage/local.ts";
import { hexId } from "./helpers/context.ts";
import { deleteItem, nodeItem, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { createInvitationCode, registerMachine } from "./helpers/provision.ts";
import { runCli, spawnServer, type ServerProcess } from "./helpers/spawn.ts";
import { waitFor } from "../helpers/wait.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-crash-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

interface Acked {
  nodeId: string;
  version: number;
}

/** Uploads and commits in a loop until `stop()`; records what the server acknowledged. */
function load(server: ServerProcess, token: string, acked: Acked[]): { stop: () => void; done: Promise<void>; inFlight: () => number } {
  let stopped = false;
  let inFlight = 0;
  const auth = { authorization: `Bearer ${token}` };
  const worker = async (): Promise<void> => {
    while (!stopped) {
      try {
        const small = hexId();
        const big = hexId();
        const put = (id: string, size: number): Promise<Response> =>
          fetch(`${server.url}/api/chunks/${id}`, { method: "PUT", headers: auth, body: randomBytes(size) });
        inFlight++;
        const [a, b] = await Promise.all([put(small, 1000), put(big, 2 * 1024 * 1024)]).finally(() => inFlight--);
        if (a.status !== 201 || b.status !== 201) continue;
        const items = Array.from({ length: 20 }, () => nodeItem(hexId().slice(0, 32), ROOT_NODE_ID, 0, [small, big]));
        inFlight++;
        const res = await fetch(`${server.url}/api/commits`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ items }),
        }).finally(() => inFlight--);
        if (res.status !== 200) continue;
        const { results } = (await res.json()) as { results: { nodeId: string; status: string; version: number }[] };
        for (const r of results) if (r.status === "ok") acked.push({ nodeId: r.nodeId, version: r.version });
      } catch {
        // The server died under us: expected.
      }
    }
  };
  const done = Promise.all(Array.from({ length: 6 }, worker)).then(() => undefined);
  return { stop: () => void (stopped = true), done, inFlight: () => inFlight };
}

describe("SIGKILL during commits and uploads", () => {
  it("restarts consistent, three times over, keeping every acknowledged commit", async () => {
    const invitation = await createInvitationCode(dir);
    const env = { SYNCAGENT_DATA_DIR: dir, SYNCAGENT_LOG_LEVEL: "warn" };
    let server = await spawnServer(["--port", "0"], env);
    const { token } = await registerMachine(server.url, invitation);
    const acked: Acked[] = [];
    for (let round = 0; round < 3; round++) {
      const before = acked.length;
      const traffic = load(server, token, acked);
      await waitFor("the load to make progress", () => acked.length >= before + 60 && traffic.inFlight() >= 3, 60_000);
      server.child.kill("SIGKILL");
      expect(await server.exited).toBe("SIGKILL");
      traffic.stop();
      await traffic.done;

      const config = resolveServerConfig({ values: { "data-dir": dir }, env: {} });
      const db = await openDatabase({ url: config.databaseUrl });
      const store = await openLocalChunkStore(join(dir, "chunks"));
      try {
        const report = await checkConsistency(db, store, { deep: true });
        expect(report.problems).toEqual([]);
        expect(report.counts.events).toBeGreaterThanOrEqual(acked.length);
        for (const a of acked) {
          const row = await db.execute({ sql: "SELECT head_version FROM tree WHERE node_id = ?", args: [a.nodeId] });
          expect(Number(row.rows[0]?.head_version)).toBe(a.version);
        }
      } finally {
        db.close();
        await store.close();
      }
      server = await spawnServer(["--port", "0"], env);
    }
    const check = await runCli(["server", "check", "--deep"], { SYNCAGENT_DATA_DIR: dir });
    expect(check.stdout).toMatch(/^OK: /);
    const next = acked[0];
    const res = await fetch(`${server.url}/api/commits`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ items: [deleteItem(next?.nodeId ?? "", 1)] }),
    });
    expect(await res.json()).toMatchObject({ results: [{ status: "ok", version: 2 }] });
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });
});
