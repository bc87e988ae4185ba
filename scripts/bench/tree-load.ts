/**
 * Tree-loading micro-benchmark (A5, Q2): the agent's start reads its remote
 * and synced trees whole. N synced files (each also in the remote tree with
 * the same stored content, as after a sync) are written to a fresh state
 * database; then both trees are read `--runs` times three ways:
 * - `json`: each table as one `json_group_array` whose JSON columns SQLite
 *   parses again with `json()` (the way the trees were read before),
 * - `stores`: each store's own `load()` (concatenated text, nothing parsed
 *   in SQL, no sharing),
 * - `loadTrees`: both in one read transaction, remote contents shared.
 * Prints one JSON object per way: `{"bench":"tree.load","way":…,"n":…,"cpuMs":…,"wallMs":…,"heapMB":…}`
 * (medians; heapMB is the JS heap the first run's trees hold, after a collection: run under
 * `node --expose-gc --import tsx scripts/bench/tree-load.ts` for it, later runs reuse what the previous one left).
 *
 * Run: `npm run bench -- tree-load [--n 50000] [--runs 5]` (without `--expose-gc`, heapMB counts garbage too)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Client } from "@libsql/client";
import { openStateDb } from "../../lib/agent/state/db.ts";
import { loadTrees, RemoteTreeStore, SyncedTreeStore, TREES_SCHEMA } from "../../lib/agent/state/trees.ts";
import { str } from "../../lib/db/row.ts";
import type { Content, LocalStamp, RemoteNode, SyncedNode } from "../../lib/agent/tree/nodes.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "50000" }, runs: { type: "string", default: "5" } } });
const N = Number(values.n);
const RUNS = Number(values.runs);
const hex = (i: number, width: number): string => i.toString(16).padStart(width, "0");

function syncedNode(i: number): SyncedNode {
  return {
    nodeId: hex(i, 32),
    parentId: hex(1_000_000 + (i % 500), 32),
    name: `f${hex(i, 5)}.bin`,
    kind: "file",
    version: 1,
    hash: hex(i * 7919, 64),
    content: { size: 1024 + (i % 3072), mtimeMs: 1_704_067_200_000, mode: 0o644, chunks: [{ id: hex(i * 104_729, 64), size: 1024 + (i % 3072) }], contentHash: hex(i * 31, 64) },
    stamp: { ino: 5_000_000 + i, size: 1024 + (i % 3072), mtimeMs: 1_704_067_200_000, mode: 0o644 },
  };
}

/** A node from a `json` row, as the stores built it. */
function nodeOf(r: unknown[]): RemoteNode {
  return { nodeId: r[0] as string, parentId: r[1] as string, name: r[2] as string, kind: r[3] as RemoteNode["kind"], version: Number(r[4]), hash: r[5] as string, content: r[6] as Content };
}

/** Both tables as one JSON array each, their JSON columns parsed again by SQLite, and the nodes built from them. */
async function loadAsJson(db: Client): Promise<unknown> {
  const remote = JSON.parse(str((await db.execute("SELECT json_group_array(json_array(node_id, parent_id, name, kind, version, hash, json(content))) AS j FROM remote_nodes")).rows[0]?.j)) as unknown[][];
  const remoteTree = new Map<string, RemoteNode>();
  for (const r of remote) remoteTree.set(r[0] as string, nodeOf(r));
  const synced = JSON.parse(str((await db.execute("SELECT json_group_array(json_array(node_id, parent_id, name, kind, version, hash, json(content), json(stamp))) AS j FROM synced_nodes")).rows[0]?.j)) as unknown[][];
  const syncedTree = new Map<string, SyncedNode>();
  for (const r of synced) syncedTree.set(r[0] as string, { ...nodeOf(r), kind: r[3] as SyncedNode["kind"], stamp: r[7] as LocalStamp });
  return [remoteTree, syncedTree];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
/** What a run loaded, held until its heap is measured. */
const sink: unknown[] = [];
const gc = (globalThis as { gc?: () => void }).gc;

async function measure(way: string, load: () => Promise<unknown>): Promise<void> {
  const cpu: number[] = [];
  const wall: number[] = [];
  const heap: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    sink.push(await load());
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
    gc?.();
    heap.push((process.memoryUsage().heapUsed - heap0) / 2 ** 20);
    sink.length = 0; // garbage before the next run's first collection
  }
  const round = (x: number): number => Math.round(x * 10) / 10;
  console.log(JSON.stringify({ bench: "tree.load", way, n: N, cpuMs: round(median(cpu)), wallMs: round(median(wall)), heapMB: round(heap[0] ?? 0) }));
}

const dir = await mkdtemp(join(tmpdir(), "syncagent-bench-trees-"));
const db = await openStateDb(join(dir, "agent.db"), [TREES_SCHEMA]);
try {
  const nodes = Array.from({ length: N }, (_, i) => syncedNode(i + 1));
  await (await SyncedTreeStore.open(db)).write(nodes);
  await (await RemoteTreeStore.open(db)).write(nodes.map(({ stamp: _stamp, ...n }) => n));
  await measure("json", () => loadAsJson(db));
  await measure("stores", async () => [await (await RemoteTreeStore.open(db)).load(), await (await SyncedTreeStore.open(db)).load()]);
  await measure("loadTrees", () => loadTrees(db));
} finally {
  db.close();
  await rm(dir, { recursive: true, force: true });
}
