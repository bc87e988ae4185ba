/** The LocalFS adapter: the conformance suite plus what only a folder on disk can show. */
import { execFile, spawn } from "node:child_process";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../lib/storage/errors.ts";
import { LocalChunkStore, openLocalChunkStore, STALE_TEMP_MS } from "../../lib/storage/local.ts";
import { describeChunkStoreConformance } from "./conformance.ts";
import { randomBytes, randomKey, readAll } from "./helpers/bytes.ts";
import { TempDirs } from "./helpers/temp.ts";
import { waitFor } from "../helpers/wait.ts";

const temp = new TempDirs();
afterAll(() => temp.removeAll());

describeChunkStoreConformance("local", async (options) =>
  openLocalChunkStore(await temp.make("local"), options.maxObjectSize === undefined ? {} : { maxObjectSize: options.maxObjectSize }),
);

async function keysOf(store: { list(): AsyncIterable<{ key: string }> }): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of store.list()) keys.push(key);
  return keys;
}

describe("LocalChunkStore on disk", () => {
  it("fans keys out into two folder levels", async () => {
    const dir = await temp.make("fanout");
    const store = await openLocalChunkStore(dir);
    const key = randomKey();
    await store.put(key, randomBytes(10));
    const file = join(dir, key.slice(0, 2), key.slice(2, 4), key);
    expect((await stat(file)).size).toBe(10);
    expect(store.location).toBe(dir);
    expect(await readdir(join(dir, ".tmp"))).toEqual([]);
  });

  it("makes a missing fan-out folder, also one removed after an earlier put, and passes on other rename failures", async () => {
    const dir = await temp.make("fanout-again");
    const store = await openLocalChunkStore(dir);
    const first = randomKey();
    await store.put(first, randomBytes(5));
    await rm(join(dir, first.slice(0, 2)), { recursive: true });
    const second = `${first.slice(0, 4)}${randomKey().slice(4)}`;
    await store.put(second, randomBytes(7));
    expect((await stat(store.pathOf(second))).size).toBe(7);
    const blocked = randomKey();
    await mkdir(join(store.pathOf(blocked), "inside"), { recursive: true });
    await expect(store.put(blocked, randomBytes(3))).rejects.toThrow();
    expect(await readdir(join(dir, ".tmp"))).toEqual([]);
  });

  it("ignores files in the folder that are not chunks where they belong", async () => {
    const dir = await temp.make("stray");
    const store = await openLocalChunkStore(dir);
    const key = randomKey();
    await store.put(key, randomBytes(3));
    const misplaced = `ff${randomKey().slice(2)}`;
    await mkdir(join(dir, "00", "00"), { recursive: true });
    await writeFile(join(dir, "00", "00", misplaced), "x");
    await writeFile(join(dir, "00", "00", "notes.txt"), "x");
    await writeFile(join(dir, "README"), "x");
    await mkdir(join(dir, "zz"), { recursive: true });
    expect(await keysOf(store)).toEqual([key]);
  });

  it("removes stale temp files left by a crash when it opens", async () => {
    const dir = await temp.make("leftover");
    await mkdir(join(dir, ".tmp"), { recursive: true });
    const stale = join(dir, ".tmp", "1234.tmp");
    await writeFile(stale, randomBytes(1000));
    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    await utimes(stale, old, old);
    const store = await openLocalChunkStore(dir);
    expect(await readdir(join(dir, ".tmp"))).toEqual([]);
    expect(await keysOf(store)).toEqual([]);
  });

  it("keeps a recent temp file: another server process sharing the folder may be writing it", async () => {
    const dir = await temp.make("shared");
    await mkdir(join(dir, ".tmp"), { recursive: true });
    await writeFile(join(dir, ".tmp", "in-progress.tmp"), randomBytes(1000));
    await openLocalChunkStore(dir);
    expect(await readdir(join(dir, ".tmp"))).toEqual(["in-progress.tmp"]);
  });

  it("leaves no temp file behind after a refused put", async () => {
    const dir = await temp.make("refused");
    const store = await openLocalChunkStore(dir);
    const key = randomKey();
    await expect(store.put(key, randomBytes(100), { size: 99 })).rejects.toThrow(/expected 99 bytes, got more than 99/);
    await expect(store.put(key, randomBytes(100), { maxSize: 50 })).rejects.toThrow(/larger than the limit of 50 bytes/);
    expect(await readdir(join(dir, ".tmp"))).toEqual([]);
    expect(await store.has(key)).toBe(false);
  });

  it("shows nothing of a put whose process was killed mid-write", async () => {
    const dir = await temp.make("crash");
    const key = randomKey();
    const fixture = fileURLToPath(new URL("./fixtures/stalled-writer.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir, key], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    let output = "";
    child.stdout.on("data", (data: Buffer) => (output += data.toString()));
    await waitFor("the child to start writing", () => output.includes("writing") || child.exitCode !== null, 30_000);
    expect(output).toContain("writing");
    const partial = await readdir(join(dir, ".tmp"));
    expect(partial.length).toBe(1);

    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    // A store over the folder as the crash left it (opening would clean it first).
    const reader = new LocalChunkStore(dir, 1024);
    expect(await reader.get(key)).toBeNull();
    expect(await reader.has(key)).toBe(false);
    expect(await keysOf(reader)).toEqual([]);

    const old = new Date(Date.now() - STALE_TEMP_MS - 60_000);
    await utimes(join(dir, ".tmp", partial[0]!), old, old);
    const reopened = await openLocalChunkStore(dir);
    expect(await readdir(join(dir, ".tmp"))).toEqual([]);
    const bytes = randomBytes(1000);
    await reopened.put(key, bytes);
    expect(await readAll((await reopened.get(key))!)).toEqual(bytes);
  });

  it("says clearly that the folder cannot be used when it is a file", async () => {
    const dir = await temp.make("notadir");
    const file = join(dir, "file");
    await writeFile(file, "x");
    const failure = openLocalChunkStore(file);
    await expect(failure).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failure).rejects.toThrow(`Cannot open the chunk folder ${file}`);
  });
});

const run = promisify(execFile);

describe("LocalChunkStore on a full disk", () => {
  let mountPoint: string | undefined;
  let skipReason = "";

  afterAll(async () => {
    if (mountPoint) await run("umount", [mountPoint]);
  });

  async function smallDisk(): Promise<string | undefined> {
    if (mountPoint) return mountPoint;
    const dir = await temp.make("full");
    try {
      await run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
      mountPoint = dir;
      return dir;
    } catch (error) {
      skipReason = `cannot mount a 1 MiB tmpfs to fill (needs root): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`;
      return undefined;
    }
  }

  it("refuses with a clear error on ENOSPC and leaves no partial object", async (ctx) => {
    const dir = await smallDisk();
    if (!dir) {
      // Outside CI a machine without root may skip; in CI a missing full disk is a failure, never a silent skip.
      if (process.env.CI === "true") throw new Error(`The disk-full test must run in CI: ${skipReason}`);
      return ctx.skip(skipReason);
    }
    const store = await openLocalChunkStore(dir);
    const small = randomKey();
    const smallBytes = randomBytes(100_000);
    await store.put(small, smallBytes);

    const big = randomKey();
    const failure = store.put(big, randomBytes(2 * 1024 * 1024));
    await expect(failure).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(failure).rejects.toThrow(`Cannot store chunk ${big}: the disk holding ${dir} is full (ENOSPC)`);
    await expect(failure).rejects.toMatchObject({ reason: "full" });

    expect(await store.has(big)).toBe(false);
    expect(await readdir(join(dir, ".tmp"))).toEqual([]);
    expect(await keysOf(store)).toEqual([small]);
    expect(await readAll((await store.get(small))!)).toEqual(smallBytes);
    const after = randomKey();
    await store.put(after, randomBytes(10_000));
    expect(await store.has(after)).toBe(true);
  });
});
