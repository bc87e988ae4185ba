/**
 * Database client micro-benchmark (S6): N point selects and N inserts (each
 * insert its own write transaction, as the server does) through the stock
 * `@libsql/client` and through lib/db/client.ts, on a fresh SQLite file in
 * WAL mode each, at `synchronous = OFF` so that the figures are the clients'
 * CPU time rather than the disk's flushes (both run on one connection here). Prints one JSON object per client:
 * `{"bench":"db.client","client":…,"n":…,"selectPerSecond":…,"insertPerSecond":…,"cpuSeconds":…}`.
 *
 * Run: `npm run bench -- db-client [--n 100000]`
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient, type Client } from "@libsql/client";
import { LocalClient } from "../../lib/db/client.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "100000" } } });
const N = Number(values.n);

async function run(name: string, open: (path: string) => Client): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-bench-db-"));
  const db = open(join(dir, "b.db"));
  try {
    await db.execute("PRAGMA journal_mode = WAL");
    await db.execute("PRAGMA synchronous = OFF");
    await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL, body BLOB)");
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const tx = await db.transaction("write");
      await tx.execute({ sql: "INSERT INTO t (id, name, size, body) VALUES (?, ?, ?, ?)", args: [i, `file-${i}`, i * 3, new Uint8Array(16)] });
      await tx.commit();
    }
    const t1 = performance.now();
    let found = 0;
    for (let i = 0; i < N; i++) {
      const rs = await db.execute({ sql: "SELECT name, size, body FROM t WHERE id = ?", args: [(i * 7919) % N] });
      found += rs.rows.length;
    }
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (found !== N) throw new Error(`found ${found} of ${N}`);
    console.log(
      JSON.stringify({
        bench: "db.client",
        client: name,
        n: N,
        insertPerSecond: Math.round(N / ((t1 - t0) / 1000)),
        selectPerSecond: Math.round(N / ((t2 - t1) / 1000)),
        cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      }),
    );
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await run("stock", (path) => createClient({ url: `file:${path}` }));
await run("local", (path) => new LocalClient({ path }));
