/**
 * Test fixtures: a real SQLite file and a real chunk folder in a temp dir,
 * wrapped in a server context, plus an account and vault created in SQL.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveServerConfig } from "../../../lib/server/config.ts";
import { createServerContext, type ServerContext } from "../../../lib/server/context.ts";
import { openDatabase } from "../../../lib/server/db/open.ts";
import type { Actor } from "../../../lib/server/files/actor.ts";
import type { CommitItem } from "../../../lib/server/files/version-input.ts";
import { putChunk } from "../../../lib/server/chunks/service.ts";
import { createLogger } from "../../../lib/server/logger.ts";
import { openFolderStore } from "./fs-store.ts";

/** A context on a temp data dir. */
export interface TestServerContext {
  ctx: ServerContext;
  dir: string;
  /** Closes everything and removes the temp dir. */
  cleanup(): Promise<void>;
}

/**
 * Creates a context backed by real files.
 * @param values CLI-style config values.
 * @returns The context and its cleanup.
 */
export async function createTestContext(values: Record<string, string> = {}): Promise<TestServerContext> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-server-"));
  const config = resolveServerConfig({ values: { "data-dir": dir, port: "0", ...values }, env: {} });
  const db = await openDatabase({ url: config.databaseUrl });
  const store = await openFolderStore(config.storage.kind === "local" ? config.storage.dir : join(dir, "chunks"));
  const logger = createLogger({ file: config.logFile, level: "info", stdout: false });
  const ctx = createServerContext({ config, db, store, logger });
  return {
    ctx,
    dir,
    async cleanup() {
      db.close();
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Creates an account and a vault directly in SQL.
 * @param ctx The context.
 * @param machineId Machine the actor commits as (null for a user).
 * @returns An actor for the new vault.
 */
export async function createTestActor(ctx: ServerContext, machineId: string | null = "m1"): Promise<Actor> {
  const accountId = crypto.randomUUID();
  const vaultId = crypto.randomUUID();
  await ctx.db.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES (?, ?)", args: [accountId, Date.now()] });
  await ctx.db.execute({ sql: "INSERT INTO vaults (id, account_id, created_at) VALUES (?, ?, ?)", args: [vaultId, accountId, Date.now()] });
  return { accountId, vaultId, machineId, meta: { actor: machineId ? `machine:${machineId}` : "user:u1" } };
}

/** A random 64-hex id. */
export function hexId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Random base64 standing in for an encrypted blob. */
export function blob(bytes = 48): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64");
}

/**
 * Stores a chunk of random bytes for the actor's account.
 * @param ctx The context.
 * @param actor Whose chunk.
 * @param size Its length.
 * @returns The new chunk id.
 */
export async function uploadRandomChunk(ctx: ServerContext, actor: Actor, size: number): Promise<string> {
  const id = hexId();
  await putChunk(ctx, { accountId: actor.accountId, vaultId: actor.vaultId, machineId: actor.machineId }, id, crypto.getRandomValues(new Uint8Array(size)));
  return id;
}

/**
 * A v2 commit item for `commitVersions`, with a fresh opId and random base64url name and manifest.
 * @param nodeId The node (32 hex).
 * @param parentId Its folder.
 * @param baseVersion The head it builds on (0 for a new node).
 * @param chunks Its chunk ids.
 * @param kind File, folder or deletion.
 * @returns The item.
 */
export function versionInput(nodeId: string, parentId: string, baseVersion: number, chunks: string[], kind: CommitItem["kind"] = "file"): CommitItem {
  const b64url = (n: number): string => Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("base64url");
  const item: CommitItem = { opId: `op_${hexId().slice(0, 24)}`, nodeId, baseVersion, kind, manifest: b64url(48), chunks };
  return kind === "delete" ? item : { ...item, parentId, encName: b64url(48) };
}
