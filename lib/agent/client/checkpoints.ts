/**
 * The checkpoint routes (docs/api.md "Checkpoints", C6): publish this
 * machine's sealed checkpoint, list the vault's, read one.
 */
import { request, requestJson, ServerError, type HttpTarget } from "./http.ts";

/** One machine's newest checkpoint, as the server lists it. */
export interface CheckpointListing {
  machineId: string;
  number: number;
  size: number;
  storedAt: number;
}

/**
 * Lists the newest checkpoint of every machine of the vault.
 * @param target Server and token.
 * @returns One per machine that published one.
 */
export async function listCheckpoints(target: HttpTarget): Promise<CheckpointListing[]> {
  const { data } = await requestJson<{ checkpoints?: unknown }>(target, "/api/checkpoints");
  if (!data || !Array.isArray(data.checkpoints)) throw new ServerError(502, "bad_answer", "The server's checkpoint list is malformed", {});
  return (data.checkpoints as Record<string, unknown>[]).filter(
    (c): c is Record<string, unknown> & CheckpointListing =>
      typeof c === "object" && c !== null && typeof c.machineId === "string" && Number.isSafeInteger(c.number) && (c.number as number) >= 1,
  );
}

/**
 * Reads one machine's newest sealed checkpoint.
 * @param target Server and token.
 * @param machineId The writer.
 * @returns The number the server claims and the bytes (both checked when opened), or null when there is none.
 */
export async function fetchCheckpoint(target: HttpTarget, machineId: string): Promise<{ number: number; sealed: Uint8Array } | null> {
  const res = await request(target, `/api/checkpoints/${encodeURIComponent(machineId)}`, { accept: [404] });
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  const number = Number(res.headers.get("x-checkpoint-number"));
  const sealed = new Uint8Array(await res.arrayBuffer());
  return { number, sealed };
}

/**
 * Publishes this machine's checkpoint.
 * @param target Server and token.
 * @param number Its number (higher than the one stored).
 * @param sealed The sealed bytes.
 * @returns `stored`, or `stale` with the number the server holds.
 */
export async function publishCheckpoint(target: HttpTarget, number: number, sealed: Uint8Array): Promise<{ stored: true } | { stored: false; current: number }> {
  try {
    await request(target, `/api/checkpoints/${number}`, { method: "PUT", body: sealed, headers: { "content-type": "application/octet-stream" } });
    return { stored: true };
  } catch (error) {
    if (error instanceof ServerError && error.code === "stale_checkpoint") return { stored: false, current: Number(error.body.current) };
    throw error;
  }
}
