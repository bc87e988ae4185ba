/**
 * Upload claims of server processes that died (S6). A claim
 * (`chunk_uploads`) stands for an upload in progress, and its id starts with
 * the token of the process that serves the upload (db/process-lease.ts). A
 * claim whose process no longer holds its lease belongs to an upload that
 * died with its process: it is released, so the chunk can be uploaded again
 * at once instead of answering `busy` until the upload time bound. Claims
 * of live processes, on this host or another sharing the database, are
 * never touched.
 */
import type { Client } from "@libsql/client";
import { withWriteTransaction } from "../db/tx.ts";
import { endLeasesOfDeadLocalProcesses, forgetExpiredProcessLeases, PROCESS_LEASE_PREFIX, PROCESS_TOKEN_LENGTH } from "../db/process-lease.ts";

/**
 * The claim id of one upload served by this process.
 * @param processToken This process's token ({@link PROCESS_TOKEN_LENGTH} characters).
 * @param upload A fresh id for the upload.
 * @returns `<processToken>:<upload>`.
 */
export function claimId(processToken: string, upload: string): string {
  return `${processToken}:${upload}`;
}

/**
 * Releases the claims whose process holds no live lease: the leases of
 * processes gone from this host are ended first, expired leases forgotten
 * after.
 * @param db The server's database.
 * @param now The current time, ms since epoch.
 * @returns How many claims were released.
 */
export async function releaseDeadClaims(db: Client, now: number = Date.now()): Promise<number> {
  await endLeasesOfDeadLocalProcesses(db, now);
  const rs = await withWriteTransaction(db, (tx) =>
    tx.execute({
      sql: `DELETE FROM chunk_uploads WHERE NOT EXISTS (
              SELECT 1 FROM leases WHERE leases.name = ? || substr(chunk_uploads.claim, 1, ${PROCESS_TOKEN_LENGTH}) AND leases.expires_at > ?)`,
      args: [PROCESS_LEASE_PREFIX, now],
    }),
  );
  await forgetExpiredProcessLeases(db, now);
  return rs.rowsAffected;
}
