import { fromHex } from "../../lib/crypto/bytes.ts";
import { Keyring } from "../../lib/crypto/keyring.ts";
import type { NodeManifest } from "../../lib/crypto/manifest.ts";
import { contentHash } from "../../lib/crypto/manifest.ts";
import { ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";

/** The fixed vault id of the known-answer tests. */
export const KAT_VAULT_ID = "00112233445566778899aabbccddeeff";
/** The fixed secret of epoch 1 in the known-answer tests. */
export const KAT_EPOCH_SECRET = fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
/** The fixed nonce of the known-answer tests. */
export const KAT_NONCE = fromHex("a0a1a2a3a4a5a6a7a8a9aaab");
/** A fixed node id (a file) and its parent folder's. */
export const KAT_NODE_ID = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
export const KAT_FOLDER_ID = "f01de2f01de2f01de2f01de2f01de2f0";

/** The second epoch's secret of the fixed test vault (the two-epoch known answers). */
export const KAT_EPOCH2_SECRET = fromHex("404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f");

/**
 * The keyring of the fixed test vault after one rotation: epochs 1 and 2, current 2.
 * @returns The keyring.
 */
export function katTwoEpochKeyring(): Promise<Keyring> {
  return Keyring.fromSecrets(KAT_VAULT_ID, new Map([[1, KAT_EPOCH_SECRET], [2, KAT_EPOCH2_SECRET]]));
}

/**
 * The keyring of the fixed test vault: epoch 1 only.
 * @returns The keyring.
 */
export function katKeyring(): Promise<Keyring> {
  return Keyring.fromSecrets(KAT_VAULT_ID, new Map([[1, KAT_EPOCH_SECRET]]));
}

/**
 * A keyring of another vault with the same epoch secret: only the vault id differs.
 * @returns The keyring.
 */
export function otherVaultKeyring(): Promise<Keyring> {
  return Keyring.fromSecrets("ffeeddccbbaa99887766554433221100", new Map([[1, KAT_EPOCH_SECRET]]));
}

/**
 * A keyring of an unrelated vault.
 * @returns The keyring.
 */
export function otherKeyring(): Promise<Keyring> {
  return Keyring.fromSecrets("ffeeddccbbaa99887766554433221100", new Map([[1, fromHex("ff".repeat(32))]]));
}

/**
 * A valid file manifest for tests, its content hash computed under the keyring's current epoch.
 * @param keyring The keyring.
 * @param fields Overrides (name, parent, chunks, previous…).
 * @returns The manifest.
 */
export async function fileManifest(keyring: Keyring, fields: Partial<NodeManifest> = {}): Promise<NodeManifest> {
  const chunks = fields.chunks ?? [];
  const size = chunks.reduce((s, c) => s + c.size, 0);
  return {
    kind: "file",
    name: "a.txt",
    parentId: ROOT_NODE_ID,
    size,
    mtimeMs: 1,
    mode: 0o600,
    chunks,
    contentHash: await contentHash(keyring.current, size, chunks),
    previous: "",
    machineId: "m1",
    ...fields,
  };
}

/**
 * A valid folder manifest for tests.
 * @param fields Overrides.
 * @returns The manifest.
 */
export function dirManifest(fields: Partial<NodeManifest> = {}): NodeManifest {
  return { kind: "dir", name: "Documents", parentId: ROOT_NODE_ID, size: 0, mtimeMs: 1, mode: 0o755, chunks: [], contentHash: "", previous: "", machineId: "m1", ...fields };
}

/**
 * Returns a copy of `bytes` with byte `index` XOR-ed with `mask`.
 * @param bytes Source.
 * @param index Position to flip.
 * @param mask Bits to flip. @default 1
 * @returns The altered copy.
 */
export function flipped(bytes: Uint8Array, index: number, mask = 1): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  copy[index] = (copy[index] ?? 0) ^ mask;
  return copy;
}

/**
 * Awaits a promise expected to reject and returns the error.
 * @param promise The operation.
 * @returns What it threw.
 */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected the operation to fail, but it succeeded");
}

/** The fixed root key, recovery secret and password of the known-answer key file. */
export const KAT_ROOT_KEY = fromHex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
export const KAT_RECOVERY_SECRET = fromHex("f0".repeat(32));
export const KAT_PASSWORD = "correct horse battery staple";

/**
 * A deterministic "random" source for known-answer key files: byte i of
 * call n is (n × 16 + i) mod 256.
 * @returns The source.
 */
export function katRandom(): (length: number) => Uint8Array<ArrayBuffer> {
  let call = 0;
  return (length) => {
    const n = call++;
    return new Uint8Array(length).map((_, i) => (n * 16 + i) & 0xff);
  };
}

/**
 * The key file of the fixed test vault (epoch 1 = `KAT_EPOCH_SECRET`).
 * @param random Source of salts and nonces. @default the CSPRNG
 * @param epochSecrets The keyring to seal. @default epoch 1 only
 * @param revision The revision. @default 1
 * @returns The key file.
 */
export async function katKeyFile(
  random?: (length: number) => Uint8Array<ArrayBuffer>,
  epochSecrets: Map<number, Uint8Array<ArrayBuffer>> = new Map([[1, KAT_EPOCH_SECRET]]),
  revision = 1,
): Promise<Uint8Array<ArrayBuffer>> {
  const { buildKeyFile } = await import("../../lib/crypto/key-file.ts");
  return buildKeyFile(
    {
      vaultId: KAT_VAULT_ID,
      rootKey: KAT_ROOT_KEY,
      recoverySecret: KAT_RECOVERY_SECRET,
      password: KAT_PASSWORD,
      epochSecrets,
      revision,
    },
    random,
  );
}
