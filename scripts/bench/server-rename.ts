/**
 * Server benchmark part: renaming (and moving) a folder with 50,000
 * descendants. A move is one commit item and one event whatever lies below
 * the folder, so its cost is that of any single-item commit: the target is
 * < 100 ms. Prints `{"bench":"server.rename","descendants":50000,"ms":…}`,
 * `ms` being the median of the timed renames, each a whole commit request
 * on loopback (the server's time plus one local round trip).
 */

/** Commits items through the running server and returns the results. */
export type Commit = (items: object[]) => Promise<{ status: string }[]>;

const ROOT = "0".repeat(32);
const hex = (bytes: number): string => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
const name = (): string => Buffer.from(crypto.getRandomValues(new Uint8Array(40))).toString("base64url");

function item(nodeId: string, parentId: string, baseVersion: number, kind: "file" | "dir"): object {
  return { opId: `bench_${hex(12)}`, nodeId, parentId, baseVersion, kind, encName: name(), manifest: name(), chunks: [] };
}

async function ok(commit: Commit, items: object[]): Promise<void> {
  const results = await commit(items);
  const bad = results.find((r) => r.status !== "ok");
  if (bad) throw new Error(`rename bench setup: ${JSON.stringify(bad)}`);
}

/**
 * Builds a folder with `descendants` nodes below it (250 subfolders, files
 * spread over them), then renames and moves it `samples` times.
 * @param commit How to commit.
 * @param options Sizes.
 * @returns The result line.
 */
export async function renameBench(commit: Commit, options: { descendants?: number; samples?: number } = {}): Promise<object> {
  const descendants = options.descendants ?? 50_000;
  const samples = options.samples ?? 21;
  const [folder, a, b] = [hex(16), hex(16), hex(16)];
  await ok(commit, [item(a, ROOT, 0, "dir"), item(b, ROOT, 0, "dir"), item(folder, a, 0, "dir")]);
  const subfolders = Array.from({ length: Math.min(250, descendants) }, () => hex(16));
  await ok(commit, subfolders.map((id) => item(id, folder, 0, "dir")));
  const files = descendants - subfolders.length;
  for (let i = 0; i < files; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, files - i) }, (_, j) => item(hex(16), subfolders[(i + j) % subfolders.length] ?? folder, 0, "file"));
    await ok(commit, batch);
  }
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    // Alternate: a rename in place, then a move to the other folder.
    const parent = s % 4 < 2 ? a : b;
    const t = performance.now();
    await ok(commit, [item(folder, parent, s + 1, "dir")]);
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  const ms = Math.round((times[Math.floor(times.length / 2)] ?? 0) * 100) / 100;
  return {
    bench: "server.rename",
    descendants,
    ms,
    maxMs: Math.round((times.at(-1) ?? 0) * 100) / 100,
    samples,
    targetMs: 100,
    meetsTarget: ms < 100,
  };
}
