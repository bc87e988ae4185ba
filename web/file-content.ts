/**
 * A file's content, fetched and decrypted in this tab: each chunk of its
 * manifest from `GET /api/chunks/:id`, opened with the vault's keys (the
 * chunk's id is checked against its plaintext), then put back in order.
 */
import type { NodeManifest } from "../lib/crypto/mod.ts";
import { ApiError } from "./api.ts";
import { loadCrypto, vaultState } from "./vault.ts";

/** Larger files are not fetched for viewing. */
export const MAX_VIEW_BYTES = 2 * 1024 * 1024;

/**
 * Fetches and decrypts a file's content.
 * @param manifest The file's manifest (opened in the tab).
 * @returns The plaintext bytes.
 * @throws Error when locked, too large, or when a chunk is missing or does not verify.
 */
export async function readContent(manifest: NodeManifest): Promise<Uint8Array> {
  const state = vaultState.get();
  if (state.state !== "unlocked") throw new Error("The vault is locked");
  if (manifest.size > MAX_VIEW_BYTES) throw new Error("Too large to show here");
  const { decryptChunk } = await loadCrypto();
  const parts = await Promise.all(
    manifest.chunks.map(async (chunk) => {
      const res = await fetch(`/api/chunks/${chunk.id}`, { credentials: "same-origin" });
      if (!res.ok) throw new ApiError(res.status, "http_" + res.status, `A part of the file could not be fetched (${res.status})`);
      return decryptChunk(state.vault.keyring, chunk.id, new Uint8Array(await res.arrayBuffer()));
    }),
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
