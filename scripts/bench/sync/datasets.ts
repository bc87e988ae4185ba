/**
 * Datasets of the sync benchmark. The full ones (`mixed`, `many`) come from
 * the peers' generator (../shared/peers/gen-dataset.sh), so every tool syncs
 * the same bytes; the quick ones are made here the same way (AES-256-CTR
 * keystream of a fixed key: incompressible, same bytes on every run).
 */
import { spawnSync } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

const KiB = 1024;
const MiB = 1024 * KiB;

/** A dataset name: the peers' ones, or the smaller ones of `--quick`. */
export type DatasetName = "mixed" | "many" | "quick-mixed" | "quick-many";

/** The 512 MiB file (or 64 MiB in quick) edited by the one-byte delta step. */
export const BIG_FILE: Record<DatasetName, string | undefined> = {
  mixed: "big/file-512M.bin",
  "quick-mixed": "big/file-64M.bin",
  many: undefined,
  "quick-many": undefined,
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The files of a quick dataset.
 * @param name `quick-mixed` (1 × 64 MiB, 500 files of 4–64 KiB, 5 empty) or `quick-many` (2,000 files of 1–4 KiB in 20 folders).
 * @returns Relative path and size of each file.
 */
export function quickLayout(name: "quick-mixed" | "quick-many"): { path: string; size: number }[] {
  const rnd = mulberry32(name === "quick-mixed" ? 1 : 2);
  const between = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  if (name === "quick-mixed") {
    return [
      { path: "big/file-64M.bin", size: 64 * MiB },
      ...Array.from({ length: 500 }, (_, i) => ({ path: `small/d${i % 10}/e${String(Math.floor(i / 10) % 5).padStart(2, "0")}/f${String(i).padStart(5, "0")}.bin`, size: between(4 * KiB, 64 * KiB) })),
      ...Array.from({ length: 5 }, (_, i) => ({ path: `empty/empty${i}.txt`, size: 0 })),
    ];
  }
  return Array.from({ length: 2000 }, (_, i) => ({ path: `d${String(i % 20).padStart(3, "0")}/f${String(i).padStart(5, "0")}.bin`, size: between(KiB, 4 * KiB) }));
}

/**
 * Writes files of keystream bytes (a fixed key per dataset) under `dir`.
 * @param dir The folder made.
 * @param seed Names the key.
 * @param files Relative paths and sizes.
 * @returns Nothing.
 */
export async function writeKeystreamFiles(dir: string, seed: string, files: { path: string; size: number }[]): Promise<void> {
  const key = createHash("sha256").update(`syncagent-bench-${seed}`).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  for (const f of files) {
    const path = join(dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, "w");
    try {
      for (let left = f.size; left > 0; left -= MiB) await handle.write(cipher.update(zeros.subarray(0, Math.min(MiB, left))));
    } finally {
      await handle.close();
    }
  }
}

/**
 * Makes sure a dataset exists under `dataRoot` (reused when present).
 * @param dataRoot Where datasets live ($DATA_ROOT, default /tmp/bench-data).
 * @param name The dataset.
 * @param peersDir The peers' folder (for the full datasets' generator).
 * @returns The dataset folder.
 */
export async function ensureDataset(dataRoot: string, name: DatasetName, peersDir: string): Promise<string> {
  const dir = join(dataRoot, name);
  if (existsSync(dir)) return dir;
  await mkdir(dataRoot, { recursive: true });
  process.stderr.write(`bench: generating dataset ${name} into ${dir}\n`);
  if (name === "quick-mixed" || name === "quick-many") {
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await writeKeystreamFiles(partial, name, quickLayout(name));
    await rename(partial, dir);
    return dir;
  }
  const script = join(peersDir, "gen-dataset.sh");
  if (!existsSync(script)) throw new Error(`dataset ${name} is missing and ${script} is absent: generate it into ${dir}`);
  const run = spawnSync("bash", [script, dir, name], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, GEN_CHECKSUM: "0" } });
  if (run.status !== 0) throw new Error(`gen-dataset.sh ${name} failed (${run.status})`);
  return dir;
}
