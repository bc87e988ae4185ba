// The local watcher on a real file system in a temp dir (A3): what it
// reports for creations, edits, deletions and renames of files and folders,
// what it never reports, and how it batches.
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWatcher, type Watcher, type WatcherOptions } from "../../../lib/agent/sources/watcher.ts";
import { waitFor } from "../../helpers/wait.ts";

interface Recorder {
  batches: Set<string>[];
  errors: Error[];
  seen: () => Set<string>;
  has: (...paths: string[]) => boolean;
  clear: () => void;
}

function recorder(): Recorder {
  const r: Recorder = {
    batches: [],
    errors: [],
    seen: () => new Set(r.batches.flatMap((b) => [...b])),
    has: (...paths) => {
      const seen = r.seen();
      return paths.every((p) => seen.has(p));
    },
    clear: () => void r.batches.splice(0),
  };
  return r;
}

let root: string;
let outside: string;
let watcher: Watcher | undefined;

beforeEach(async () => {
  const base = await mkdtemp(join(tmpdir(), "syncagent-watch-"));
  root = join(base, "sync");
  outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
});

afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await rm(join(root, ".."), { recursive: true, force: true });
});

async function start(rec: Recorder, options: Partial<WatcherOptions> = {}): Promise<Watcher> {
  watcher = await startWatcher(root, {
    debounceMs: 50,
    onChanges: (paths) => rec.batches.push(paths),
    onError: (e) => rec.errors.push(e),
    rootRetryMs: 50,
    ...options,
  });
  return watcher;
}

describe("startWatcher", () => {
  it("reports nothing for the initial tree, then a new file, its edit and its deletion", async () => {
    await mkdir(join(root, "docs/deep"), { recursive: true });
    await writeFile(join(root, "docs/deep/old.txt"), "old");
    const rec = recorder();
    await start(rec);

    await writeFile(join(root, "docs/deep/new.txt"), "1");
    await waitFor("the new file", () => rec.has("docs/deep/new.txt"));
    expect(rec.seen().has("docs/deep/old.txt")).toBe(false);
    expect([...rec.seen()].every((p) => !p.startsWith("/") && !p.includes("\\"))).toBe(true);

    rec.clear();
    await appendFile(join(root, "docs/deep/old.txt"), "more");
    await waitFor("the edit", () => rec.has("docs/deep/old.txt"));

    rec.clear();
    await rm(join(root, "docs/deep/new.txt"));
    await waitFor("the deletion", () => rec.has("docs/deep/new.txt"));
    expect(rec.errors).toEqual([]);
  });

  it("watches a folder created later, with what was written into it at once", async () => {
    const rec = recorder();
    await start(rec);
    await mkdir(join(root, "a/b/c"), { recursive: true });
    await writeFile(join(root, "a/b/c/file.txt"), "x");
    await waitFor("the new tree", () => rec.has("a", "a/b", "a/b/c", "a/b/c/file.txt"));

    rec.clear();
    await writeFile(join(root, "a/b/c/later.txt"), "y");
    await waitFor("a file in the new folder", () => rec.has("a/b/c/later.txt"));
  });

  it("reports both names of a renamed file and of a renamed folder, and follows the folder", async () => {
    await mkdir(join(root, "old-dir/sub"), { recursive: true });
    await writeFile(join(root, "old-dir/sub/f.txt"), "f");
    await writeFile(join(root, "a.txt"), "a");
    const rec = recorder();
    await start(rec);

    await rename(join(root, "a.txt"), join(root, "b.txt"));
    await waitFor("both file names", () => rec.has("a.txt", "b.txt"));

    rec.clear();
    await rename(join(root, "old-dir"), join(root, "new-dir"));
    await waitFor("both folder names and the moved entries", () => rec.has("old-dir", "new-dir", "new-dir/sub", "new-dir/sub/f.txt"));

    rec.clear();
    await writeFile(join(root, "new-dir/sub/g.txt"), "g");
    await waitFor("a change under the new name", () => rec.has("new-dir/sub/g.txt"));
    expect([...rec.seen()].some((p) => p.startsWith("old-dir/"))).toBe(false);
  });

  it("reports a deleted folder tree and stops watching it", async () => {
    await mkdir(join(root, "gone/inner"), { recursive: true });
    await writeFile(join(root, "gone/inner/x"), "x");
    const rec = recorder();
    await start(rec);
    await rm(join(root, "gone"), { recursive: true });
    await waitFor("the deleted folder", () => rec.has("gone"));

    rec.clear();
    await mkdir(join(root, "gone/inner"), { recursive: true });
    await waitFor("the folder made again", () => rec.has("gone", "gone/inner"));
    await writeFile(join(root, "gone/inner/y"), "y");
    await waitFor("a file in it", () => rec.has("gone/inner/y"));
  });

  it("a folder replaced by a file of its name stops being watched, and a folder made there again is watched (A3)", async () => {
    await mkdir(join(root, "spot/deep"), { recursive: true });
    const rec = recorder();
    await start(rec);
    await rm(join(root, "spot"), { recursive: true });
    await writeFile(join(root, "spot"), "now a file");
    await waitFor("the file where the folder was", () => rec.has("spot"));
    await rm(join(root, "spot"));
    rec.clear();
    await mkdir(join(root, "spot/deep"), { recursive: true });
    await waitFor("the folder made again", () => rec.has("spot", "spot/deep"));
    await writeFile(join(root, "spot/deep/z"), "z");
    await waitFor("a file deep in it", () => rec.has("spot/deep/z"));
  });

  it("never reports the agent's temp files nor ignored entries, and does not watch ignored folders", async () => {
    await mkdir(join(root, "node_modules"));
    const rec = recorder();
    await start(rec, { ignore: (rel, isDir) => rel.endsWith(".tmp") || (isDir && rel === "node_modules") });
    await writeFile(join(root, ".syncagent-tmp-123"), "t");
    await rename(join(root, ".syncagent-tmp-123"), join(root, ".syncagent-tmp-456"));
    await writeFile(join(root, "x.tmp"), "t");
    await writeFile(join(root, "node_modules/pkg.js"), "t");
    await writeFile(join(root, "marker"), "m");
    await waitFor("the marker", () => rec.has("marker"));
    expect([...rec.seen()].sort()).toEqual(["marker"]);
  });

  it("reports a symlink but does not follow it", async () => {
    const rec = recorder();
    await start(rec);
    await symlink(outside, join(root, "link"));
    await waitFor("the link", () => rec.has("link"));
    rec.clear();
    await writeFile(join(outside, "behind-link.txt"), "x");
    await writeFile(join(root, "marker"), "m");
    await waitFor("the marker", () => rec.has("marker"));
    expect(rec.seen().has("link/behind-link.txt")).toBe(false);
  });

  it("reports names in NFC", async () => {
    const rec = recorder();
    await start(rec);
    const nfd = "Cafe\u0301.txt";
    await writeFile(join(root, nfd), "x");
    await waitFor("the NFC name", () => rec.has("Caf\u00e9.txt"));
    expect(rec.seen().has(nfd)).toBe(false);
  });

  it("batches a burst in one report, and flushes at least every maxWaitMs under a constant stream", async () => {
    const rec = recorder();
    await start(rec, { debounceMs: 200, maxWaitMs: 400 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFile(join(root, `burst-${i}`), "x")));
    await waitFor("the burst", () => rec.batches.length > 0 && rec.seen().size === 20);
    expect(rec.batches).toHaveLength(1);

    rec.clear();
    // A writer that never pauses longer than the quiet period.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await appendFile(join(root, "busy.log"), `${i}\n`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await waitFor("two batches during the stream", () => rec.batches.length >= 2, 5000);
    writing = false;
    await writer;
  });

  it("survives the root being removed: reports it, then watches it again once it is back", async () => {
    const rec = recorder();
    await start(rec);
    await rm(root, { recursive: true });
    await waitFor("the error", () => rec.errors.some((e) => /missing/.test(e.message)));
    await mkdir(root);
    await writeFile(join(root, "back.txt"), "x");
    await waitFor("a file in the restored root", () => rec.has("back.txt"));
    rec.clear();
    await writeFile(join(root, "again.txt"), "x");
    await waitFor("a later file", () => rec.has("again.txt"));
  });

  it("refuses a root that is not a folder", async () => {
    await writeFile(join(outside, "file"), "x");
    await expect(startWatcher(join(outside, "file"), { onChanges: () => undefined })).rejects.toThrow(/not a folder/);
    await expect(startWatcher(join(outside, "missing"), { onChanges: () => undefined })).rejects.toThrow(/not a folder/);
  });

  it("reports nothing after close", async () => {
    const rec = recorder();
    const w = await start(rec);
    await writeFile(join(root, "before"), "x");
    await w.close();
    await writeFile(join(root, "after"), "x");
    // A second watcher on the same tree sees the next change: by then the first had its chance.
    const rec2 = recorder();
    watcher = await startWatcher(root, { debounceMs: 50, onChanges: (p) => rec2.batches.push(p) });
    await writeFile(join(root, "probe"), "x");
    await waitFor("the probe", () => rec2.has("probe"));
    expect(rec.has("after")).toBe(false);
  });

  it("hands a throwing onChanges to onError and keeps going", async () => {
    const rec = recorder();
    let calls = 0;
    await start(rec, {
      onChanges: (paths) => {
        calls++;
        if (calls === 1) throw new Error("boom");
        rec.batches.push(paths);
      },
    });
    await writeFile(join(root, "one"), "x");
    await waitFor("the error", () => rec.errors.some((e) => e.message === "boom"));
    await writeFile(join(root, "two"), "x");
    await waitFor("the next batch", () => rec.has("two"));
  });
});
