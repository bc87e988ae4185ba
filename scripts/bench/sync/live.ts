/**
 * The steps of the sync benchmark that run with both agents live (delay 0):
 * the latency of a small edit on A until B holds it, and a folder of many
 * files renamed on A until B shows it under its new name.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chunkUsage, usageGrowth } from "./server-usage.ts";
import { differences, listFiles, manifest } from "./tree.ts";

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it holds.
 * @param check The condition.
 * @param everyMs Poll interval.
 * @param timeoutMs Give up after this long.
 * @param what Named in the timeout error.
 * @returns Milliseconds until it held.
 */
export async function pollUntil(check: () => Promise<boolean>, everyMs: number, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s`);
    await pause(everyMs);
  }
}

/**
 * The `p`-th percentile (nearest rank) of sorted numbers.
 * @param sorted Ascending values.
 * @param p 0–100.
 * @returns The value.
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

async function holds(path: string, want: Buffer): Promise<boolean> {
  try {
    return (await readFile(path)).equals(want);
  } catch {
    return false;
  }
}

/**
 * Rewrites one small file on A with fresh content `samples` times and times each until B holds it (polled every 5 ms).
 * A first write (creating the file) warms up and is not counted.
 * @param a A's sync folder.
 * @param b B's sync folder.
 * @param samples How many edits are timed.
 * @returns Sorted latencies in ms.
 */
export async function editLatency(a: string, b: string, samples: number): Promise<number[]> {
  await mkdir(join(a, "bench-edit"), { recursive: true });
  const rel = join("bench-edit", "note.txt");
  const once = async (): Promise<number> => {
    const content = Buffer.from(`${randomBytes(24).toString("hex")}\n`);
    await writeFile(join(a, rel), content);
    return pollUntil(() => holds(join(b, rel), content), 5, 120_000, `edit of ${rel} on B`);
  };
  await once();
  const out: number[] = [];
  for (let i = 0; i < samples; i++) out.push(await once());
  return out.sort((x, y) => x - y);
}

/** What the rename step measured. */
export interface RenameResult {
  files: number;
  /** Seconds until B held the new folder with every file (the files were added at once beforehand). */
  addSeconds: number;
  /** Seconds from the rename on A until B shows the new name with every file and the old name gone. */
  visibleSeconds: number;
  /** Stored chunk bytes the rename added on the server (must be 0). */
  contentBytes: number;
  chunksUploaded: number;
}

/**
 * Adds a folder of `files` 1 KiB files to A (made beside A, moved in at once), waits until B holds it,
 * then renames it on A and times until B shows the new name.
 * @param a A's sync folder.
 * @param b B's sync folder.
 * @param stage A scratch folder on the same file system as `a`.
 * @param serverDir The server's data folder (chunk usage).
 * @param files How many files.
 * @returns The figures.
 */
export async function renameFolder(a: string, b: string, stage: string, serverDir: string, files: number): Promise<RenameResult> {
  const src = join(stage, "bench-rename-src");
  await mkdir(src, { recursive: true });
  for (let i = 0; i < files; i++) await writeFile(join(src, `f${String(i).padStart(5, "0")}.bin`), randomBytes(1024));
  const want = await manifest(src);
  await rename(src, join(a, "bench-rename-src"));
  const count = async (dir: string): Promise<number> => (await listFiles(dir)).size;
  const addMs = await pollUntil(async () => (await count(join(b, "bench-rename-src"))) === files, 100, 1_800_000, "the rename folder on B");
  const before = await chunkUsage(serverDir);
  await rename(join(a, "bench-rename-src"), join(a, "bench-renamed"));
  const visibleMs = await pollUntil(async () => !existsSync(join(b, "bench-rename-src")) && (await count(join(b, "bench-renamed"))) === files, 20, 1_800_000, "the renamed folder on B");
  const diffs = differences(want, await manifest(join(b, "bench-renamed")));
  if (diffs.length > 0) throw new Error(`renamed folder on B differs: ${diffs.join("; ")}`);
  const grown = usageGrowth(before, await chunkUsage(serverDir));
  return { files, addSeconds: addMs / 1000, visibleSeconds: visibleMs / 1000, contentBytes: grown.bytes, chunksUploaded: grown.chunks };
}
