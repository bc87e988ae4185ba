import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { openStateDb, type StateSchema } from "../../../lib/agent/state/db.ts";

/** A state database file in a fresh temp folder, reopenable, removed by `dispose`. */
export interface TempDb {
  /** The database file. */
  path: string;
  /** The open client (replaced by `reopen`). */
  db: Client;
  /** Closes the client and opens the same file again. */
  reopen(): Promise<Client>;
  /** Closes the client and removes the folder. */
  dispose(): Promise<void>;
}

/**
 * Opens a state database in a temp folder.
 * @param schemas The stores' schemas.
 * @returns The database and its controls.
 */
export async function tempDb(schemas: readonly StateSchema[]): Promise<TempDb> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-state-"));
  const path = join(dir, "state", "agent.db");
  const handle: TempDb = {
    path,
    db: await openStateDb(path, schemas),
    async reopen() {
      handle.db.close();
      handle.db = await openStateDb(path, schemas);
      return handle.db;
    },
    async dispose() {
      handle.db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
