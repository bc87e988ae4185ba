/**
 * Which client the metadata database gets (S2, S6): the local client with
 * kept statements for a `file:` URL, the stock client when
 * `SYNCAGENT_DB_CLIENT=stock`; both migrate and tune the database alike.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalClient } from "../../lib/db/client.ts";
import { openDatabase } from "../../lib/server/db/open.ts";
import { withWriteTransaction } from "../../lib/server/db/tx.ts";

let dir: string;
const saved = process.env.SYNCAGENT_DB_CLIENT;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-db-client-"));
});

afterEach(async () => {
  if (saved === undefined) delete process.env.SYNCAGENT_DB_CLIENT;
  else process.env.SYNCAGENT_DB_CLIENT = saved;
  await rm(dir, { recursive: true, force: true });
});

describe("openDatabase client", () => {
  it.each([
    ["local", undefined, true],
    ["stock", "stock", false],
  ])("opens a file: URL with the %s client", async (_name, env, local) => {
    if (env === undefined) delete process.env.SYNCAGENT_DB_CLIENT;
    else process.env.SYNCAGENT_DB_CLIENT = env;
    const db = await openDatabase({ url: `file:${join(dir, "nested", "meta.db")}` });
    try {
      expect(db instanceof LocalClient).toBe(local);
      expect(db.protocol).toBe("file");
      expect((await db.execute("PRAGMA journal_mode")).rows[0]?.journal_mode).toBe("wal");
      await withWriteTransaction(db, (tx) => tx.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES (?, ?)", args: ["a", 1] }));
      const error = await withWriteTransaction(db, (tx) => tx.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES (?, ?)", args: ["a", 2] })).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("SQLITE_CONSTRAINT");
      expect((await db.execute("SELECT id, created_at FROM accounts")).rows.map((r) => ({ ...r }))).toEqual([{ id: "a", created_at: 1 }]);
    } finally {
      db.close();
    }
  });
});
