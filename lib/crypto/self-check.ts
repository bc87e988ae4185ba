import { toHex } from "./bytes.ts";
import { decryptChunk, encryptChunk } from "./chunk.ts";
import { IntegrityError } from "./errors.ts";
import { addEpoch, openWithPassword } from "./key-file.ts";
import { decryptManifest, encryptManifest, type NodeManifest } from "./manifest.ts";
import { decryptName, encryptName } from "./names.ts";
import { newNodeId, ROOT_NODE_ID } from "./node-id.ts";
import { openNodeRecord, sealNodeRecord } from "./node-record.ts";
import { checkBackendsAgree } from "./self-check-backends.ts";
import { createVault, type NewVault } from "./vault.ts";

/** One line of the self-check report. */
export interface CheckResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

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
 * Runs every primitive of the format (v2) once on this machine and runtime:
 * Argon2id key file, keyring epochs, padded chunk and manifest AEAD with
 * tamper detection, AES-SIV names, node records. Used by `syncagent
 * self-check` and CI to prove a built binary carries working crypto.
 * @returns One result per step.
 */
export async function runCryptoSelfCheck(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let created: NewVault | undefined;
  results.push(
    await step("argon2id key wrap", async () => {
      created = await createVault("correct horse");
      const { keyFile, vault } = created;
      const back = await openWithPassword(keyFile, "correct horse", { vaultId: vault.vaultId, fingerprint: vault.fingerprint, minRevision: 1 });
      assert(toHex(back.rootKey) === toHex(vault.rootKey), "unwrapped key differs");
      const wrong = await openWithPassword(keyFile, "wrong", { vaultId: vault.vaultId, firstOpen: true }).then(() => false, (e: unknown) => e instanceof IntegrityError);
      assert(wrong, "a wrong password was accepted");
    }),
  );
  const vaultOf = (): NewVault => {
    if (!created) throw new Error("no vault: the key file step failed");
    return created;
  };
  results.push(
    await step("aes-256-gcm chunk", async () => {
      const { vault } = vaultOf();
      const plain = new Uint8Array(1 << 20).map((_, i) => i % 251);
      const enc = await encryptChunk(vault.keyring.current, plain);
      const back = await decryptChunk(vault.keyring, enc.id, enc.data);
      assert(toHex(back) === toHex(plain), "decrypted chunk differs");
      enc.data[100] = (enc.data[100] ?? 0) ^ 1;
      const caught = await decryptChunk(vault.keyring, enc.id, enc.data).then(() => false, (e: unknown) => e instanceof IntegrityError);
      assert(caught, "a tampered chunk was accepted");
      const small = await encryptChunk(vault.keyring.current, plain.subarray(0, 2048));
      assert(toHex(await decryptChunk(vault.keyring, small.id, small.data)) === toHex(plain.subarray(0, 2048)), "decrypted small chunk differs");
      return checkBackendsAgree(vault.keyring.current);
    }),
  );
  results.push(
    await step("manifest binding", async () => {
      const { vault } = vaultOf();
      const keys = vault.keyring.current;
      const nodeId = newNodeId();
      const manifest: NodeManifest = {
        kind: "dir",
        name: "Documents",
        parentId: ROOT_NODE_ID,
        size: 0,
        mtimeMs: 0,
        mode: 0o755,
        chunks: [],
        contentHash: "",
        previous: "",
        machineId: "",
      };
      const sealed = await sealNodeRecord(keys, { nodeId, version: 1 }, manifest);
      const opened = await openNodeRecord(vault.keyring, sealed, null);
      assert(opened.name === "Documents", "node name differs");
      const blob = await encryptManifest(keys, manifest, { nodeId, version: 1 });
      const replay = await decryptManifest(vault.keyring, blob, { nodeId, version: 2 }).then(() => false, (e: unknown) => e instanceof IntegrityError);
      assert(replay, "a replayed manifest was accepted");
    }),
  );
  results.push(
    await step("aes-siv names", () => {
      const { vault } = vaultOf();
      const keys = vault.keyring.current;
      const enc = encryptName(keys, ROOT_NODE_ID, "résumé.pdf");
      assert(enc === encryptName(keys, ROOT_NODE_ID, "résumé.pdf"), "name encryption is not deterministic");
      assert(decryptName(vault.keyring, ROOT_NODE_ID, enc) === "résumé.pdf", "decrypted name differs");
      return Promise.resolve();
    }),
  );
  results.push(
    await step("key epochs", async () => {
      const { keyFile, vault } = vaultOf();
      const old = await encryptChunk(vault.keyring.current, new Uint8Array(100));
      const next = await addEpoch(keyFile, vault);
      assert(next.vault.keyring.current.epoch === vault.keyring.current.epoch + 1, "the new epoch is not current");
      await decryptChunk(next.vault.keyring, old.id, old.data);
    }),
  );
  return results;
}
