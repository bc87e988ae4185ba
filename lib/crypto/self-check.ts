import { fromHex, toHex } from "./bytes.ts";
import { decryptChunk, encryptChunk } from "./chunk.ts";
import { IntegrityError } from "./errors.ts";
import { unwrapWithPassword, wrapMasterKey } from "./key-file.ts";
import { decryptManifest, encryptManifest, type FileManifest } from "./manifest.ts";
import { decryptName, encryptName } from "./names.ts";
import { pathId } from "./paths.ts";
import { deriveVaultKeys } from "./subkeys.ts";

/** One line of the self-check report. */
export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

const MASTER = fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

async function step(name: string, fn: () => Promise<string | void>): Promise<CheckResult> {
  const started = performance.now();
  try {
    const detail = await fn();
    return { name, ok: true, ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) };
  } catch (error) {
    return { name, ok: false, ms: Math.round(performance.now() - started), detail: (error as Error).message };
  }
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * Runs every primitive of the format once on this machine and runtime:
 * Argon2id key wrap, HKDF subkeys, chunk and manifest AEAD with tamper
 * detection, AES-SIV names, path ids. Used by `syncagent self-check` and CI
 * to prove a built binary carries working crypto.
 * @returns One result per step.
 */
export async function runCryptoSelfCheck(): Promise<CheckResult[]> {
  const keys = await deriveVaultKeys(MASTER);
  const results: CheckResult[] = [];
  results.push(
    await step("argon2id key wrap", async () => {
      const file = await wrapMasterKey(MASTER, "correct horse", new Uint8Array(32).fill(7));
      const back = await unwrapWithPassword(file, "correct horse");
      assert(toHex(back) === toHex(MASTER), "unwrapped key differs");
      const wrong = await unwrapWithPassword(file, "wrong").then(() => false, (e: unknown) => e instanceof IntegrityError);
      assert(wrong, "a wrong password was accepted");
    }),
  );
  results.push(
    await step("aes-256-gcm chunk", async () => {
      const plain = new Uint8Array(1 << 20).map((_, i) => i % 251);
      const enc = await encryptChunk(keys, plain);
      const back = await decryptChunk(keys, enc.id, enc.data);
      assert(toHex(back) === toHex(plain), "decrypted chunk differs");
      enc.data[100] = (enc.data[100] ?? 0) ^ 1;
      const caught = await decryptChunk(keys, enc.id, enc.data).then(() => false, (e: unknown) => e instanceof IntegrityError);
      assert(caught, "a tampered chunk was accepted");
    }),
  );
  results.push(
    await step("manifest binding", async () => {
      const path = "docs/report.txt";
      const id = await pathId(keys, path);
      const manifest: FileManifest = { kind: "file", path, size: 0, mtimeMs: 0, mode: 0o644, chunks: [], contentHash: "" };
      const blob = await encryptManifest(keys, manifest, { pathId: id, version: 2 });
      const back = await decryptManifest(keys, blob, { pathId: id, version: 2 });
      assert(back.path === path, "manifest path differs");
      const replay = await decryptManifest(keys, blob, { pathId: id, version: 3 }).then(() => false, (e: unknown) => e instanceof IntegrityError);
      assert(replay, "a replayed manifest was accepted");
    }),
  );
  results.push(
    await step("aes-siv names", () => {
      const parent = "ab".repeat(32);
      const enc = encryptName(keys, parent, "résumé.pdf");
      assert(enc === encryptName(keys, parent, "résumé.pdf"), "name encryption is not deterministic");
      assert(decryptName(keys, parent, enc) === "résumé.pdf", "decrypted name differs");
      return Promise.resolve();
    }),
  );
  return results;
}
