/**
 * The peers beside the sync benchmark: runs ../shared/peers/run-all.sh
 * (Syncthing, rclone crypt, unison on the same datasets) and turns its result
 * files into JSON lines named after each tool.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const round = (n: number): number => Math.round(n * 1000) / 1000;
const mib = (bytes: unknown): number | null => (typeof bytes === "number" ? Math.round((bytes / 2 ** 20) * 10) / 10 : null);

/** One timed step of rclone.sh or unison.sh. */
export interface PeerStep {
  seconds: number;
  peakRssMB: number;
  cpuSeconds: number;
  rc: number;
}

/**
 * Reads the step lines of rclone.sh / unison.sh (`name wall_s=… peak_rss_MiB=… cpu_s=… rc=…`).
 * @param text The result file.
 * @returns Step name → figures.
 */
export function parseSteps(text: string): Record<string, PeerStep> {
  const steps: Record<string, PeerStep> = {};
  for (const line of text.split("\n")) {
    const m = /^(\w+)\s+wall_s=([\d.]+)\s+peak_rss_MiB=([\d.]+)\s+cpu_s=([\d.]+)\s+rc=(\d+)/.exec(line);
    if (m?.[1]) steps[m[1]] = { seconds: Number(m[2]), peakRssMB: Number(m[3]), cpuSeconds: Number(m[4]), rc: Number(m[5]) };
  }
  return steps;
}

/**
 * The JSON line of one Syncthing result file.
 * @param dataset The profile.
 * @param raw The parsed st_bench.py output.
 * @returns The line's object.
 */
export function syncthingLine(dataset: string, raw: Record<string, unknown>): object {
  const edit = (k: string): number | null => {
    const e = raw[k] as { median_s?: number } | undefined;
    return typeof e?.median_s === "number" ? Math.round(e.median_s * 1000) : null;
  };
  const rss = raw.rss_peak_bytes as { A?: number; B?: number } | undefined;
  const one = raw.one_byte_edit as { A_to_B_bytes?: number } | undefined;
  return {
    bench: "syncthing",
    dataset,
    version: raw.version,
    initialSeconds: raw.initial_sync_s ?? null,
    editMedianMs: { watcherDefault: edit("edit_latency_default"), watcherDelay1s: edit("edit_latency_delay1") },
    oneByteEditSentBytes: one?.A_to_B_bytes ?? null,
    peakRssMB: { a: mib(rss?.A), b: mib(rss?.B) },
    identical: raw.final_byte_identical ?? null,
  };
}

/**
 * The JSON lines of a result folder (files `syncthing-P-*.json`, `rclone-P-*.txt`, `unison-P-*.txt`).
 * @param results The folder.
 * @returns One object per tool and dataset.
 */
export async function peerLines(results: string): Promise<object[]> {
  const lines: object[] = [];
  for (const name of (await readdir(results)).sort()) {
    const m = /^(syncthing|rclone|unison)-(\w+)-\d{8}T\d{6}Z\.(json|txt)$/.exec(name);
    if (!m) continue;
    const [, tool, dataset, ext] = m;
    const text = await readFile(join(results, name), "utf8");
    if (tool === "syncthing" && ext === "json") {
      lines.push(syncthingLine(dataset as string, JSON.parse(text) as Record<string, unknown>));
    } else if (tool === "rclone" && ext === "txt") {
      const s = parseSteps(text);
      lines.push({
        bench: "rclone",
        dataset,
        initialSeconds: s.copy_crypt?.seconds ?? null,
        noChangeSeconds: s.copy_crypt_nochange?.seconds ?? null,
        bisync: { initialSeconds: s.bisync_initial?.seconds ?? null, noChangeSeconds: s.bisync_nochange?.seconds ?? null, incrementalSeconds: s.bisync_incremental?.seconds ?? null },
        peakRssMB: round(Math.max(0, ...Object.values(s).map((x) => x.peakRssMB))),
        steps: s,
      });
    } else if (tool === "unison" && ext === "txt") {
      const s = parseSteps(text);
      lines.push({
        bench: "unison",
        dataset,
        initialSeconds: s.initial?.seconds ?? null,
        noChangeSeconds: s.nochange?.seconds ?? null,
        incrementalSeconds: s.incremental?.seconds ?? null,
        peakRssMB: round(Math.max(0, ...Object.values(s).map((x) => x.peakRssMB))),
        identical: /after incremental byte-identical: yes/.test(text),
        steps: s,
      });
    }
  }
  return lines;
}

/**
 * Runs the peers on the given profiles; their own output goes to stderr.
 * @param peersDir ../shared/peers.
 * @param profiles The datasets (`mixed`, `many`, `tiny`).
 * @param env DATA_ROOT and RESULTS.
 * @returns Whether the script ran (false when absent).
 */
export function runPeers(peersDir: string, profiles: string[], env: { DATA_ROOT: string; RESULTS: string }): boolean {
  const script = join(peersDir, "run-all.sh");
  if (!existsSync(script)) {
    process.stderr.write(`bench: ${script} is absent: peers skipped\n`);
    return false;
  }
  const run = spawnSync("bash", [script, ...profiles], { stdio: ["ignore", 2, 2], env: { ...process.env, ...env } });
  if (run.status !== 0) process.stderr.write(`bench: run-all.sh exited ${run.status}\n`);
  return true;
}
