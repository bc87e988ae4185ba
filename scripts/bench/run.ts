/**
 * `npm run bench -- <name> [args]`: runs scripts/bench/<name>.ts, which
 * prints one JSON object per result on stdout.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(join(here, `${name}.ts`)) || name === "run") {
  console.error(`bench: name a benchmark: ${available.join(", ")}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`), ...rest], { stdio: "inherit" });
process.exit(result.status ?? 1);
