/**
 * A transfer test bench: a real server, a keyring, a sync folder per side
 * (A and B), each side's state database, uploader and downloader, and a
 * fetch that counts requests and bytes by route.
 */
import type { Client } from "@libsql/client";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { HttpTarget } from "../../../lib/agent/client/http.ts";
import { openStateDb } from "../../../lib/agent/state/db.ts";
import { ChunkIndex } from "../../../lib/agent/transfer/chunk-index.ts";
import { Downloader, type DownloaderOptions } from "../../../lib/agent/transfer/downloader.ts";
import type { FileStamp } from "../../../lib/agent/transfer/file-stamp.ts";
import { UploadProgressStore } from "../../../lib/agent/transfer/upload-progress.ts";
import { Uploader, type UploaderOptions } from "../../../lib/agent/transfer/uploader.ts";
import { toHex } from "../../../lib/crypto/bytes.ts";
import { Keyring } from "../../../lib/crypto/keyring.ts";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

/** Requests and bytes seen by a counting fetch. */
export interface Traffic {
  requests: Map<string, number>;
  sent: Map<string, number>;
  received: Map<string, number>;
  /** Fails a request when it returns true (before sending it). */
  failWhen?: (route: string, count: number) => boolean;
}

function route(url: string, method: string): string {
  const path = new URL(url).pathname;
  return `${method} ${path.startsWith("/api/chunks/") && !/\/(missing|batch|fetch)$/.test(path) ? "/api/chunks/:id" : path}`;
}

/**
 * A fetch that counts requests, bytes sent and bytes received, by route.
 * @param traffic Where to count.
 * @returns The fetch.
 */
export function countingFetch(traffic: Traffic): typeof fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const key = route(url, init?.method ?? "GET");
    const n = (traffic.requests.get(key) ?? 0) + 1;
    traffic.requests.set(key, n);
    if (traffic.failWhen?.(key, n)) throw new TypeError("fetch failed", { cause: new Error("connection reset (test)") });
    const body = init?.body;
    const size = body instanceof Uint8Array ? body.length : typeof body === "string" ? body.length : 0;
    traffic.sent.set(key, (traffic.sent.get(key) ?? 0) + size);
    const res = await fetch(input, init);
    if (!res.body) return res;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          traffic.received.set(key, (traffic.received.get(key) ?? 0) + chunk.length);
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

/**
 * A fresh, empty traffic counter.
 * @returns The counter.
 */
export function newTraffic(): Traffic {
  return { requests: new Map(), sent: new Map(), received: new Map() };
}

/**
 * Sum of a counter's values whose route starts with `prefix`.
 * @returns The sum.
 */
export function total(map: Map<string, number>, prefix = ""): number {
  let sum = 0;
  for (const [k, v] of map) if (k.startsWith(prefix) || k.includes(prefix)) sum += v;
  return sum;
}

/** One side of a sync: a folder, a database, an uploader and a downloader. */
export interface Side {
  root: string;
  db: Client;
  index: ChunkIndex;
  progress: UploadProgressStore;
  traffic: Traffic;
  target: HttpTarget;
  uploader: Uploader;
  downloader: Downloader;
  close(): Promise<void>;
}

/** The bench. */
export interface Bench {
  server: TestServer;
  keyring: Keyring;
  dir: string;
  side(options?: { uploader?: Partial<UploaderOptions>; downloader?: Partial<DownloaderOptions> }): Promise<Side>;
  close(): Promise<void>;
}

/**
 * Starts a server and a keyring for a vault.
 * @returns The bench.
 */
export async function startBench(): Promise<Bench> {
  const server = await startTestServer();
  const keyring = await Keyring.fromSecrets(toHex(randomBytes(16)), new Map([[1, new Uint8Array(randomBytes(32))]]));
  const dir = await mkdtemp(join(tmpdir(), "syncagent-transfer-"));
  const sides: Side[] = [];
  let n = 0;
  return {
    server,
    keyring,
    dir,
    async side(options = {}) {
      const name = `side${n++}`;
      const root = join(dir, name, "sync");
      await mkdir(root, { recursive: true });
      const db = await openStateDb(join(dir, name, "state.db"));
      const index = await ChunkIndex.open(db);
      const progress = await UploadProgressStore.open(db);
      const traffic = newTraffic();
      const target: HttpTarget = { serverUrl: server.url, token: server.machine.token, fetch: countingFetch(traffic) };
      const uploader = new Uploader({ client: target, keyring, progress, index, ...options.uploader });
      const downloader = new Downloader({ client: target, keyring, index, root, ...options.downloader });
      const side: Side = {
        root,
        db,
        index,
        progress,
        traffic,
        target,
        uploader,
        downloader,
        async close() {
          await uploader.close();
          await downloader.close();
          await index.flush();
          db.close();
        },
      };
      sides.push(side);
      return side;
    },
    async close() {
      for (const s of sides) await s.close().catch(() => undefined);
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Random bytes (crypto-quality, so nothing dedups by accident).
 * @returns The bytes.
 */
export function randomContent(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) out.set(randomBytes(Math.min(65536, length - at)), at);
  return out;
}

/**
 * Writes a file (creating its folder) and returns its stamp.
 * @returns The stamp.
 */
export async function writeFileStamped(path: string, data: Uint8Array): Promise<FileStamp> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
  return stampOf(path);
}

/**
 * A file's stamp.
 * @returns The stamp.
 */
export async function stampOf(path: string): Promise<FileStamp> {
  const s = await lstat(path);
  return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, mode: s.mode };
}
