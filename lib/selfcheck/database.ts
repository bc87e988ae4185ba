import { createClient } from "@libsql/client";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckResult } from "../crypto/self-check.ts";

/**
 * Opens a SQLite file in a temporary folder, writes and reads a row in WAL
 * mode: proves the embedded libsql addon loads on this machine.
 * @returns One self-check result.
 */
export async function runDatabaseSelfCheck(): Promise<CheckResult> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "syncagent-check-"));
  try {
    const client = createClient({ url: `file:${join(dir, "check.db")}` });
    try {
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute("CREATE TABLE t (v TEXT) STRICT");
      await client.execute({ sql: "INSERT INTO t (v) VALUES (?)", args: ["ok"] });
      const result = await client.execute("SELECT v FROM t");
      if (result.rows[0]?.v !== "ok") throw new Error("read back a different value");
    } finally {
      client.close();
    }
    return { name: "sqlite (libsql)", ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { name: "sqlite (libsql)", ok: false, ms: Math.round(performance.now() - started), detail: (error as Error).message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
