/**
 * The scene of the hostile-server tests: a real server, machine A talking
 * to it directly, machine B talking to it through the hostile proxy; the
 * test itself holds the vault's keys (opened from A's key file with the
 * password), so it can read what the server stores the way an agent does
 * and aim an attack at one file's chunks or records.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { openNodeRecord, openWithPassword, type Keyring, type OpenedNode } from "../../lib/crypto/mod.ts";
import type { SnapshotNode } from "../../lib/agent/client/files.ts";
import { FRAME_HEADER_BYTES, MISSING_LENGTH } from "../../lib/agent/client/frames.ts";
import type { SyncSummary } from "../../cmd/sync.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, runAgentCli, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { sha256Of, tempFilesUnder, writeRandomFile } from "../agent/e2e/disk.ts";
import { startHostileProxy, type HostileProxy } from "./proxy.ts";

/** A server, a hostile hop, two machines and the vault's keys. */
export interface Scene {
  server: TestServer;
  proxy: HostileProxy;
  dirs: Scratch;
  /** Talks to the server directly. */
  a: PreparedHome;
  /** Talks to the server through the proxy. */
  b: PreparedHome;
  keyring: Keyring;
  /** `syncagent sync` on A; must succeed. */
  syncA(): Promise<void>;
  /** `syncagent sync --json` on B: exit code, the summary and the printed text. */
  syncB(extra?: string[]): Promise<{ code: number; summary: SyncSummary; text: string }>;
  /** The server's live tree, opened with the vault's keys, by name. */
  remote(): Promise<Map<string, RemoteFile>>;
  close(): Promise<void>;
}

/** A record as the server serves it, and what it opens to. */
export interface RemoteFile {
  record: SnapshotNode;
  opened: OpenedNode;
  /** The manifest's chunk ids, in order. */
  chunks: string[];
}

/**
 * Starts the scene.
 * @returns The scene.
 */
export async function startScene(): Promise<Scene> {
  const server = await startTestServer();
  const proxy = await startHostileProxy(server.url);
  const dirs = await scratch();
  const a = await prepareHome(server, dirs, "alpha", true);
  const b = await prepareHome({ ...server, url: proxy.url }, dirs, "beta", false);
  const config = JSON.parse(await readFile(a.paths.config, "utf8")) as { vaultId: string };
  const vault = await openWithPassword(new Uint8Array(await readFile(a.paths.keyFile)), PASSWORD, { vaultId: config.vaultId, firstOpen: true });
  const scene: Scene = {
    server,
    proxy,
    dirs,
    a,
    b,
    keyring: vault.keyring,
    syncA: async () => {
      const run = await runAgentCli(["sync", "--home", a.home], { env: a.env });
      expect(run.code, run.out + run.err).toBe(0);
    },
    syncB: async (extra = []) => {
      const run = await runAgentCli(["sync", "--home", b.home, "--json", ...extra], { env: b.env });
      const line = run.out.trim().split("\n").pop() ?? "";
      let summary: SyncSummary;
      try {
        summary = JSON.parse(line) as SyncSummary;
      } catch {
        throw new Error(`sync printed no summary: ${run.out}${run.err}`);
      }
      return { code: run.code, summary, text: run.out + run.err };
    },
    remote: async () => {
      const res = await server.machineFetch("/api/snapshot?limit=5000");
      expect(res.status).toBe(200);
      const items = ((await res.json()) as { items: SnapshotNode[] }).items;
      const out = new Map<string, RemoteFile>();
      for (const record of items) {
        if (record.kind === "delete") continue;
        const opened = await openNodeRecord(vault.keyring, record, null);
        out.set(opened.name, { record, opened, chunks: opened.manifest.chunks.map((c) => c.id) });
      }
      return out;
    },
    close: async () => {
      await proxy.close();
      await dirs.cleanup();
      await server.close();
    },
  };
  return scene;
}

/**
 * The named file of the server's tree.
 * @param scene The scene.
 * @param name A top-level name.
 * @returns Its record.
 */
export async function remoteFile(scene: Scene, name: string): Promise<RemoteFile> {
  const file = (await scene.remote()).get(name);
  if (!file) throw new Error(`No ${name} on the server`);
  return file;
}

/** One frame of a chunk answer. */
export interface Frame {
  id: string;
  /** The SHA-256 the frame carries (hex). */
  sha: string;
  /** Null for a missing chunk. */
  bytes: Buffer | null;
}

/**
 * Splits a whole `application/vnd.syncagent.chunks` body into frames.
 * @param body The answer.
 * @returns The frames, in order.
 */
export function parseFrames(body: Buffer): Frame[] {
  const frames: Frame[] = [];
  for (let at = 0; at < body.length; ) {
    const id = body.toString("hex", at, at + 32);
    const sha = body.toString("hex", at + 32, at + 64);
    const length = body.readUInt32BE(at + 64);
    at += FRAME_HEADER_BYTES;
    if (length === MISSING_LENGTH) {
      frames.push({ id, sha, bytes: null });
      continue;
    }
    frames.push({ id, sha, bytes: body.subarray(at, at + length) });
    at += length;
  }
  return frames;
}

/**
 * Joins frames into a body, with the digest each carries (`sha`), so a
 * forged frame can pass the transport check and meet the agent's crypto.
 * @param frames The frames.
 * @returns The body.
 */
export function joinFrames(frames: readonly Frame[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of frames) {
    const head = Buffer.alloc(FRAME_HEADER_BYTES);
    head.write(f.id, 0, 32, "hex");
    head.write(f.sha, 32, 32, "hex");
    head.writeUInt32BE(f.bytes === null ? MISSING_LENGTH : f.bytes.length, 64);
    parts.push(head);
    if (f.bytes) parts.push(f.bytes);
  }
  return Buffer.concat(parts);
}

/** Whether a request is the chunk fetch. */
export const isChunkFetch = (method: string, path: string): boolean => method === "POST" && path === "/api/chunks/fetch";

/**
 * A frame carrying `bytes` under `id`, with the digest of those bytes (the transport check passes).
 * @param id The chunk id it claims.
 * @param bytes Its bytes.
 * @returns The frame.
 */
export function frameOf(id: string, bytes: Buffer): Frame {
  return { id, sha: createHash("sha256").update(bytes).digest("hex"), bytes };
}

/**
 * What a refused run must leave on B's disk: no temp file, none of the
 * refused files, and the sound ones with exactly their bytes.
 * @param scene The scene.
 * @param absent Names that must not be on B's disk.
 * @param sound Name → SHA-256 of the content that must be there.
 */
export async function expectDisk(scene: Scene, absent: readonly string[], sound: Record<string, string>): Promise<void> {
  expect(await tempFilesUnder(scene.b.folder)).toEqual([]);
  for (const name of absent) expect(await sha256Of(join(scene.b.folder, name)), name).toBeNull();
  for (const [name, sha] of Object.entries(sound)) expect(await sha256Of(join(scene.b.folder, name)), name).toBe(sha);
}

/**
 * Writes a file into A's folder.
 * @param scene The scene.
 * @param name Its name.
 * @param content Text, or a byte count of random content.
 * @returns Its SHA-256.
 */
export async function put(scene: Scene, name: string, content: string | number): Promise<string> {
  const path = join(scene.a.folder, name);
  if (typeof content === "number") return writeRandomFile(path, content);
  await writeFile(path, content);
  return createHash("sha256").update(content).digest("hex");
}

/**
 * A stored chunk's bytes, read from the real server (`GET /api/chunks/:id`).
 * @param scene The scene.
 * @param id The chunk id.
 * @returns The encrypted bytes.
 */
export async function fetchChunkBytes(scene: Scene, id: string): Promise<Buffer> {
  const res = await scene.server.machineFetch(`/api/chunks/${id}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}
