/**
 * LISTEN/NOTIFY between two PostgreSQL clients (two server processes, S6):
 * a notification reaches the other process, the channel name is checked,
 * and a listening connection ended by the database is re-opened and says
 * so (the caller then catches up from its cursor). Skipped when no
 * PostgreSQL is configured (scripts/ci/with-postgres.sh).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgClient } from "../../lib/db/pg/client.ts";
import { openPgWake, wakeChannel } from "../../lib/server/ws/wake-pg.ts";
import { dropPgSchema, PG_CLUSTER_URL, pgSchemaUrl } from "../helpers/pg-schema.ts";
import { waitFor } from "../helpers/wait.ts";

describe("wake channel names", () => {
  it("name the schema, and fit PostgreSQL's 63-byte limit", () => {
    expect(wakeChannel(null)).toBe("syncagent_wake");
    expect(wakeChannel("tenant_a")).toBe("syncagent_wake_tenant_a");
    expect(wakeChannel("s".repeat(63))).toHaveLength(63);
  });
});

describe.skipIf(!PG_CLUSTER_URL)("LISTEN/NOTIFY between two clients", () => {
  let dir: string;
  let a: PgClient;
  let b: PgClient;
  const log = pino({ level: "silent" });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syncagent-pg-listen-"));
    const url = await pgSchemaUrl(dir);
    a = new PgClient({ url });
    b = new PgClient({ url, applicationName: `listen-test-${process.pid}` });
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    if (dir) await dropPgSchema(dir);
  });

  it("delivers a notification to the other client's listener, with its payload", async () => {
    const received: string[] = [];
    let listening = 0;
    const listener = b.listen("syncagent_test_channel", { onNotify: (p) => received.push(p), onListening: () => listening++, onError: () => undefined });
    try {
      await waitFor("the listener is up", () => listener.listening);
      expect(listening).toBe(1);
      await a.notify("syncagent_test_channel", "hello");
      await a.notify("another_channel", "not for b");
      await waitFor("the notification arrives", () => received.includes("hello"));
      expect(received).toEqual(["hello"]);
    } finally {
      await listener.close();
    }
    expect(listener.listening).toBe(false);
  });

  it("refuses a channel name PostgreSQL would cut", () => {
    expect(() => b.listen("x".repeat(64), { onNotify: () => undefined, onListening: () => undefined, onError: () => undefined })).toThrow(/1 to 63 bytes/);
  });

  it("wakes another process, not itself, and coalesces a burst of announcements", async () => {
    const wakeA = openPgWake(a, log);
    const wakeB = openPgWake(b, log);
    let wokenA = 0;
    let wokenB = 0;
    wakeA.subscribe(() => wokenA++);
    wakeB.subscribe(() => wokenB++);
    try {
      await waitFor("both listen", () => wakeA.live && wakeB.live);
      const startA = wokenA;
      const startB = wokenB;
      for (let i = 0; i < 50; i++) wakeA.announce();
      await waitFor("B is woken", () => wokenB > startB);
      // A burst of 50 announcements while one NOTIFY is in flight sends two, not fifty.
      wakeA.announce();
      await waitFor("B is woken again", () => wokenB >= startB + 2);
      expect(wokenB - startB).toBeLessThanOrEqual(3);
      expect(wokenA).toBe(startA);
    } finally {
      await wakeA.close();
      await wakeB.close();
    }
  });

  it("re-opens a listening connection the database ended, and tells the caller to catch up", async () => {
    const received: string[] = [];
    let listening = 0;
    const errors: unknown[] = [];
    const name = `listen-kill-${process.pid}`;
    const own = new PgClient({ url: await pgSchemaUrl(dir), applicationName: name });
    const listener = own.listen("syncagent_test_reconnect", { onNotify: (p) => received.push(p), onListening: () => listening++, onError: (e) => errors.push(e) });
    try {
      await waitFor("the listener is up", () => listener.listening);
      const ended = await a.execute({ sql: "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ?", args: [`${name}-listen`] });
      expect(ended.rows).toHaveLength(1);
      await waitFor("the drop is reported", () => errors.length > 0);
      await waitFor("the listener is back", () => listening === 2 && listener.listening, 15_000);
      await a.notify("syncagent_test_reconnect", "after");
      await waitFor("a notification after the reconnect arrives", () => received.includes("after"));
    } finally {
      await listener.close();
      own.close();
    }
  });
});
