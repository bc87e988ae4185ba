/**
 * `npm run cluster -- up|check [--processes N] [--sqlite] [--local-chunks] [--bin PATH]`
 *
 * - `up`: starts PostgreSQL, Swift's S3, N server processes and HAProxy on
 *   loopback, prints the balancer's URL, and stops everything on Ctrl-C.
 * - `check`: starts the same, runs the checks through the balancer (an
 *   invitation redeemed 20 times in parallel, fan-out across processes, two
 *   agents syncing a tree while one process is killed), prints one JSON
 *   object per result, stops everything, and exits 1 when a check failed.
 */
import { parseArgs } from "node:util";
import { startCluster } from "./cluster.ts";
import { runChecks } from "./checks.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    processes: { type: "string", default: "3" },
    sqlite: { type: "boolean", default: false },
    "local-chunks": { type: "boolean", default: false },
    bin: { type: "string" },
    samples: { type: "string", default: "200" },
  },
});
const action = positionals[0] ?? "check";
if (action !== "up" && action !== "check") {
  process.stderr.write("usage: npm run cluster -- up|check [--processes N] [--sqlite] [--local-chunks] [--bin PATH]\n");
  process.exit(2);
}
const log = (line: string): void => void process.stderr.write(`cluster: ${line}\n`);
const binary = values.bin ?? process.env.SYNCAGENT_BENCH_BIN;
const cluster = await startCluster({
  processes: Number(values.processes),
  postgres: !values.sqlite,
  s3: !values["local-chunks"],
  ...(binary ? { binary } : {}),
  log,
}).catch((error: unknown) => {
  log(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
let failed = false;
try {
  log(`balancer ${cluster.url} → ${cluster.servers.map((s) => `${s.name} ${s.url}`).join(", ")}`);
  if (action === "up") {
    process.stdout.write(`${cluster.url}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  } else {
    failed = !(await runChecks(cluster, { samples: Number(values.samples), log, ...(binary ? { binary } : {}) }));
  }
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  log("stopping");
  await cluster.stop();
}
process.exit(failed ? 1 : 0);
