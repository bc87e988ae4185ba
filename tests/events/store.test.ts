/**
 * The append-only event store on a real SQLite file (E1, E2): events get
 * ids, timestamps and increasing `seq`; a taken stream version is a
 * StreamConflictError; reads follow log order, for one account or all.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendEvent, readEventsAfter, StreamConflictError } from "../../lib/events/store.ts";
import { openDatabase } from "../../lib/server/db/open.ts";
import { withWriteTransaction } from "../../lib/server/db/tx.ts";

let dir: string;
let db: Client;
const accountA = crypto.randomUUID();
const accountB = crypto.randomUUID();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-events-"));
  db = await openDatabase({ url: `file:${join(dir, "events.db")}` });
  for (const id of [accountA, accountB]) {
    await db.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES (?, ?)", args: [id, Date.now()] });
  }
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const event = (accountId: string, streamVersion: number, extra: { id?: string; ts?: number } = {}) => ({
  accountId,
  vaultId: null,
  stream: `test:${accountId}`,
  streamVersion,
  type: "VaultKeyUpdated",
  version: 1,
  payload: { version: streamVersion, by: "test" },
  meta: { actor: "test" },
  ...extra,
});

describe("appendEvent and readEventsAfter", () => {
  it("stores envelopes in log order and reads them back per account or for all", async () => {
    const first = await withWriteTransaction(db, (tx) => appendEvent(tx, event(accountA, 1)));
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
    expect(Math.abs(first.ts - Date.now())).toBeLessThan(60_000);
    const second = await withWriteTransaction(db, (tx) => appendEvent(tx, event(accountB, 1, { id: "fixed-id", ts: 1234 })));
    const third = await withWriteTransaction(db, (tx) => appendEvent(tx, event(accountA, 2)));
    expect(second).toMatchObject({ id: "fixed-id", ts: 1234 });
    expect(first.seq < second.seq && second.seq < third.seq).toBe(true);

    const all = await readEventsAfter(db, 0, 10);
    expect(all.map((e) => e.seq)).toEqual([first.seq, second.seq, third.seq]);
    expect(all[1]).toEqual({ ...event(accountB, 1), id: "fixed-id", ts: 1234, seq: second.seq });
    expect((await readEventsAfter(db, first.seq, 10)).map((e) => e.seq)).toEqual([second.seq, third.seq]);
    expect((await readEventsAfter(db, 0, 1)).map((e) => e.seq)).toEqual([first.seq]);
    expect((await readEventsAfter(db, 0, 10, accountA)).map((e) => e.streamVersion)).toEqual([1, 2]);
    expect(await readEventsAfter(db, third.seq, 10, accountA)).toEqual([]);
  });

  it("refuses a stream version that is taken, and rolls that transaction back", async () => {
    await withWriteTransaction(db, (tx) => appendEvent(tx, event(accountA, 1)));
    const again = withWriteTransaction(db, (tx) => appendEvent(tx, event(accountA, 1)));
    await expect(again).rejects.toBeInstanceOf(StreamConflictError);
    await expect(again).rejects.toThrow(`Stream test:${accountA} already has version 1`);
    expect(await readEventsAfter(db, 0, 10)).toHaveLength(1);
  });

  it("passes on other database errors unchanged", async () => {
    const orphan = withWriteTransaction(db, (tx) => appendEvent(tx, { ...event(accountA, 1), accountId: null as unknown as string }));
    await expect(orphan).rejects.not.toBeInstanceOf(StreamConflictError);
    await expect(orphan).rejects.toThrow(/NOT NULL|constraint/i);
  });
});
