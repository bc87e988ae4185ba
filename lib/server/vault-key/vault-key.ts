/**
 * Storage of the wrapped master key blob (the key file), one current per
 * vault, with an optimistic revision (DESIGN §2 rule 1), and every earlier
 * revision kept with who wrote it. Updates record
 * `VaultKeyUpdated`.
 */
import type { Client } from "@libsql/client";
import type { EventMeta } from "../../events/envelope.ts";
import { recordAuthEvent } from "../auth/events.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { str } from "../../db/row.ts";

/** Largest accepted blob, decoded (16 KiB). */
export const VAULT_KEY_MAX_BYTES = 16 * 1024;

/** The stored blob. */
export interface VaultKey {
  blob: string;
  /** Its revision: 1 for the first key file, +1 per replacement. */
  version: number;
  updatedAt: number;
  /** Who wrote it: `machine:<id>` or `user:<id>`. */
  updatedBy: string;
}

/** One revision of a vault's key file, as listed. */
export interface VaultKeyRevision {
  revision: number;
  writtenAt: number;
  writtenBy: string;
}

/**
 * Reads a vault's key blob.
 * @param db The database.
 * @param vaultId The vault.
 * @returns The blob and its version, or null.
 */
export async function getVaultKey(db: Client, vaultId: string): Promise<VaultKey | null> {
  const result = await db.execute({ sql: "SELECT blob, version, updated_at, updated_by FROM vault_keys WHERE vault_id = ?", args: [vaultId] });
  const row = result.rows[0];
  return row ? { blob: str(row.blob), version: Number(row.version), updatedAt: Number(row.updated_at), updatedBy: str(row.updated_by) } : null;
}

/**
 * Lists every key file a vault has had, newest first: a key file
 * replaced by a stolen machine token can still be read back and restored.
 * @param db The database.
 * @param vaultId The vault.
 * @returns The revisions, without their blobs.
 */
export async function listVaultKeyRevisions(db: Client, vaultId: string): Promise<VaultKeyRevision[]> {
  const result = await db.execute({
    sql: "SELECT revision, written_at, written_by FROM vault_key_versions WHERE vault_id = ? ORDER BY revision DESC",
    args: [vaultId],
  });
  return result.rows.map((row) => ({ revision: Number(row.revision), writtenAt: Number(row.written_at), writtenBy: str(row.written_by) }));
}

/**
 * Reads one revision of a vault's key file.
 * @param db The database.
 * @param vaultId The vault.
 * @param revision The revision.
 * @returns The revision with its blob, or null.
 */
export async function getVaultKeyRevision(db: Client, vaultId: string, revision: number): Promise<(VaultKeyRevision & { blob: string }) | null> {
  const result = await db.execute({
    sql: "SELECT revision, written_at, written_by, blob FROM vault_key_versions WHERE vault_id = ? AND revision = ?",
    args: [vaultId, revision],
  });
  const row = result.rows[0];
  return row ? { revision: Number(row.revision), writtenAt: Number(row.written_at), writtenBy: str(row.written_by), blob: str(row.blob) } : null;
}

/**
 * Stores a new blob if the stored version is still `input.version`.
 * @param db The database.
 * @param owner Account and vault.
 * @param input The blob and the version it replaces (0: none yet).
 * @param now Clock value in ms.
 * @param by Actor string.
 * @param meta Event metadata.
 * @returns The new version, or the current one on a conflict.
 */
export async function putVaultKey(
  db: Client,
  owner: { accountId: string; vaultId: string },
  input: { blob: string; version: number },
  now: number,
  by: string,
  meta: EventMeta = {},
): Promise<{ ok: true; version: number } | { ok: false; current: number }> {
  return withWriteTransaction(db, async (tx) => {
    const existing = await tx.execute({ sql: "SELECT version FROM vault_keys WHERE vault_id = ?", args: [owner.vaultId] });
    const current = existing.rows[0] ? Number(existing.rows[0].version) : 0;
    if (current !== input.version) return { ok: false as const, current };
    const version = current + 1;
    await tx.execute({
      sql: `INSERT INTO vault_keys (vault_id, account_id, blob, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (vault_id) DO UPDATE SET blob = excluded.blob, version = excluded.version,
              updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      args: [owner.vaultId, owner.accountId, input.blob, version, now, by],
    });
    // Every revision is kept: replacing the key file never loses the one before.
    await tx.execute({
      sql: `INSERT INTO vault_key_versions (vault_id, revision, account_id, blob, written_at, written_by) VALUES (?, ?, ?, ?, ?, ?)`,
      args: [owner.vaultId, version, owner.accountId, input.blob, now, by],
    });
    await recordAuthEvent(tx, "VaultKeyUpdated", { accountId: owner.accountId, vaultId: owner.vaultId, stream: `vault:${owner.vaultId}` }, { version, by }, {
      actor: by,
      ...meta,
    });
    return { ok: true as const, version };
  });
}
