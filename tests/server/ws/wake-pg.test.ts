/**
 * On PostgreSQL, another process's commit wakes a hub by LISTEN/NOTIFY, not
 * by polling (S6, A13): both servers' tails poll once a minute here, so a
 * commit through A reaching a subscriber of B within seconds can only come
 * from the notification. Runs in the PostgreSQL suite (npm run test:pg).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PG_URL } from "../../helpers/pg-schema.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";
import { connect, machineHeaders } from "./client.ts";

const slowPolls = { pollMs: 60_000, notifiedPollMs: 60_000 };

describe.skipIf(!TEST_PG_URL)("two servers on PostgreSQL with polling all but off", () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ hub: slowPolls });
    b = await startTestServer({ dataDir: a.dataDir, setup: false, hub: slowPolls });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("pushes each of ten commits through A to a subscriber of B within a second", async () => {
    const onB = await connect(b, "/ws/changes", { headers: machineHeaders(a.machine.token) });
    await onB.waitFor((m) => m.type === "hello");
    for (let version = 0; version < 10; version++) {
      const put = await a.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: "AAAA", version }) });
      expect(put.status).toBe(200);
      const reached = (m: Record<string, unknown>): boolean =>
        m.type === "changes" && (m.events as { type: string; payload: { version?: number } }[]).some((e) => e.type === "VaultKeyUpdated" && e.payload.version === version + 1);
      await onB.waitFor(reached, 1000);
    }
    onB.close();
  });
});
