/**
 * Folder trees of the sync benchmark: a cheap walk (file count and total
 * size), a full manifest (relative path → size and SHA-256), and waiting
 * until one folder holds what another does. The agent's temp files are left
 * out of every walk.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

const TEMP_PREFIX = ".syncagent-tmp-";

/** Count and size of a tree's regular files. */
export interface TreeStats {
  files: number;
  bytes: number;
}

/**
 * Lists every regular file under `root` with its size (temp files and the rest skipped).
 * @param root The folder.
 * @returns Relative path → size.
 */
export async function listFiles(root: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // a folder renamed or removed under the walk
    }
    await Promise.all(
      entries.map(async (e) => {
        if (e.name.startsWith(TEMP_PREFIX)) return;
        const path = join(dir, e.name);
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) return walk(path, r);
        if (!e.isFile()) return;
        try {
          out.set(r, (await lstat(path)).size);
        } catch {
          // gone between readdir and lstat
        }
      }),
    );
  };
  await walk(root, "");
  return out;
}

/**
 * Counts a tree's files and bytes.
 * @param root The folder.
 * @returns Its stats.
 */
export async function treeStats(root: string): Promise<TreeStats> {
  const files = await listFiles(root);
  let bytes = 0;
  for (const size of files.values()) bytes += size;
  return { files: files.size, bytes };
}

/**
 * SHA-256 of one file.
 * @param path The file.
 * @returns Hex digest.
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (d) => hash.update(d))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/**
 * Size and SHA-256 of every file of a tree.
 * @param root The folder.
 * @returns Relative path → `size:sha256`.
 */
export async function manifest(root: string): Promise<Map<string, string>> {
  const files = await listFiles(root);
  const out = new Map<string, string>();
  const paths = [...files.keys()].sort();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) {
      const rel = paths[next++] as string;
      out.set(rel, `${files.get(rel)}:${await sha256File(join(root, rel))}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));
  return out;
}

/**
 * Compares two manifests.
 * @param want The expected one.
 * @param got The one found.
 * @returns Up to 5 differences (empty when identical).
 */
export function differences(want: Map<string, string>, got: Map<string, string>): string[] {
  const diffs: string[] = [];
  for (const [rel, v] of want) if (got.get(rel) !== v) diffs.push(got.has(rel) ? `content differs: ${rel}` : `missing: ${rel}`);
  for (const rel of got.keys()) if (!want.has(rel)) diffs.push(`extra: ${rel}`);
  return diffs.slice(0, 5);
}

/**
 * Polls `root` until its count and size match `want` (a cheap walk), then
 * checks sizes and SHA-256 of every file; goes on polling on a mismatch.
 * @param root The folder watched.
 * @param want Expected manifest.
 * @param timeoutMs Give up after this long.
 * @param progress Called every ~10 s with the current stats.
 * @param quiet When given, whether the agents say they are done: the tree is walked only then, and every 10 s.
 * @returns Seconds from the call until the cheap check first matched for the identical tree, the verify time, and how many walks it took.
 */
export async function waitForTree(
  root: string,
  want: Map<string, string>,
  timeoutMs: number,
  progress: (s: TreeStats, elapsed: number) => void,
  quiet?: () => Promise<boolean>,
): Promise<{ seconds: number; verifySeconds: number; walks: number }> {
  const started = performance.now();
  let wantBytes = 0;
  for (const v of want.values()) wantBytes += Number(v.split(":")[0]);
  let lastNote = started;
  let walks = 0;
  for (;;) {
    const t = performance.now();
    // Walking 50,000 files takes a good part of a core: with the agents' word that they are quiet to go by, the
    // tree is walked only then (and every 10 s for the progress line), so the measuring does not slow the measured.
    const due = quiet === undefined || t - lastNote > 10_000 || (await quiet());
    if (due) {
      walks++;
      const s = await treeStats(root);
      if (s.files === want.size && s.bytes === wantBytes) {
        const seconds = (t - started) / 1000;
        const diffs = differences(want, await manifest(root));
        if (diffs.length === 0) return { seconds, verifySeconds: (performance.now() - t) / 1000, walks };
        process.stderr.write(`bench: count and size match but ${diffs.join("; ")}: polling on\n`);
      }
      const now = performance.now();
      if (now - started > timeoutMs) throw new Error(`${root}: not identical within ${timeoutMs / 1000} s (${s.files}/${want.size} files, ${s.bytes}/${wantBytes} bytes)`);
      if (now - lastNote > 10_000) {
        progress(s, (now - started) / 1000);
        lastNote = now;
      }
    }
    const now = performance.now();
    if (now - started > timeoutMs) throw new Error(`${root}: not identical within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, quiet === undefined ? Math.max(100, (now - t) * 2) : 50));
  }
}
