/**
 * Carries one schedule operation out on an agent's folder, the way a user
 * or a program would, and records every content it leaves in a file (for the
 * no-data-lost check). An operation whose target is missing or in the way
 * is skipped, and says why.
 */
import { createHash } from "node:crypto";
import { appendFile, mkdir, readFile, rename, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FolderOp } from "./schedule.ts";

/** A content left in a file by an operation. */
export interface Written {
  step: number;
  agent: number;
  path: string;
  sha: string;
}

/** What an operation did. */
export interface Applied {
  /** Null when it ran; the reason when it was skipped. */
  skipped: string | null;
  written: Written[];
}

/**
 * Deterministic bytes for a (fill, size) pair: different fills give different contents.
 * @param fill A 16-bit seed.
 * @param size Bytes.
 * @returns The content.
 */
export function contentOf(fill: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (fill * 2654435761 + 1) >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * SHA-256 in hex.
 * @param bytes The bytes.
 * @returns The digest.
 */
export function sha(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function recordFile(root: string, path: string, step: number, agent: number): Promise<Written> {
  return { step, agent, path, sha: sha(await readFile(join(root, path))) };
}

/**
 * Runs one operation.
 * @param root The agent's sync folder.
 * @param op The operation.
 * @param step Its index in the schedule.
 * @param agent Which agent's folder.
 * @returns What it did.
 */
export async function applyOp(root: string, op: FolderOp, step: number, agent: number): Promise<Applied> {
  const abs = (p: string) => join(root, ...p.split("/"));
  try {
    switch (op.kind) {
      case "write": {
        await mkdir(dirname(abs(op.path)), { recursive: true });
        await writeFile(abs(op.path), contentOf(op.fill, op.size));
        return { skipped: null, written: [await recordFile(root, op.path, step, agent)] };
      }
      case "append": {
        if (!(await isFile(abs(op.path)))) return { skipped: "no such file", written: [] };
        await appendFile(abs(op.path), contentOf(op.fill, op.size));
        return { skipped: null, written: [await recordFile(root, op.path, step, agent)] };
      }
      case "truncate": {
        if (!(await isFile(abs(op.path)))) return { skipped: "no such file", written: [] };
        await truncate(abs(op.path), op.size);
        return { skipped: null, written: [await recordFile(root, op.path, step, agent)] };
      }
      case "editor-save": {
        // Write a temp file beside it and rename it over the original, several times in a row.
        await mkdir(dirname(abs(op.path)), { recursive: true });
        const written: Written[] = [];
        for (let i = 0; i < op.times; i++) {
          const temp = `${abs(op.path)}.~save${i}`;
          await writeFile(temp, contentOf(op.fill + i, op.size));
          await rename(temp, abs(op.path));
          written.push(await recordFile(root, op.path, step, agent));
          await new Promise((r) => setTimeout(r, 100)); // ten saves a second, as an editor's autosave
        }
        return { skipped: null, written };
      }
      case "delete":
        if (!(await isFile(abs(op.path)))) return { skipped: "no such file", written: [] };
        await rm(abs(op.path));
        return { skipped: null, written: [] };
      case "rename": {
        const to = abs(op.to);
        if (op.to === op.from || op.to.startsWith(`${op.from}/`)) return { skipped: "into itself", written: [] };
        await stat(abs(op.from));
        await mkdir(dirname(to), { recursive: true });
        await rename(abs(op.from), to);
        return { skipped: null, written: [] };
      }
      case "mkdir":
        await mkdir(abs(op.path), { recursive: true });
        return { skipped: null, written: [] };
      case "rmdir":
        if ((await stat(abs(op.path))).isFile()) return { skipped: "a file", written: [] };
        await rm(abs(op.path), { recursive: true });
        return { skipped: null, written: [] };
      case "replace-with-folder": {
        if (!(await isFile(abs(op.path)))) return { skipped: "no such file", written: [] };
        await rm(abs(op.path));
        await mkdir(abs(op.path));
        await writeFile(join(abs(op.path), "inside.txt"), contentOf(step, 64));
        return { skipped: null, written: [await recordFile(root, `${op.path}/inside.txt`, step, agent)] };
      }
      case "touch": {
        if (!(await isFile(abs(op.path)))) return { skipped: "no such file", written: [] };
        const now = new Date();
        await utimes(abs(op.path), now, now);
        return { skipped: null, written: [] };
      }
      case "ignore-rule": {
        await appendFile(abs(".syncignore"), `${op.rule}\n`);
        return { skipped: null, written: [] };
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST" || code === "ENOTEMPTY" || code === "EINVAL") {
      return { skipped: code, written: [] };
    }
    throw error;
  }
}
