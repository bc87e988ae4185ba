import { importSealKey, type SealKey } from "./aead.ts";
import { hkdf } from "./kdf.ts";

/** Length of the master key, bytes. */
export const MASTER_KEY_BYTES = 32;

/** HKDF labels: one per purpose, never shared (rule 2). Part of the format. */
export const SUBKEY_LABELS = Object.freeze({
  chunkId: "syncagent/v1/chunk-id",
  chunkEnc: "syncagent/v1/chunk-enc",
  chunkCommit: "syncagent/v1/chunk-commit",
  manifestEnc: "syncagent/v1/manifest-enc",
  manifestCommit: "syncagent/v1/manifest-commit",
  nameSiv: "syncagent/v1/name-siv",
  pathId: "syncagent/v1/path-id",
  fileHash: "syncagent/v1/file-hash",
  chunkerGear: "syncagent/v1/chunker-gear",
});

/** The working keys of one vault, all derived from its master key. */
export interface VaultKeys {
  /** HMAC-SHA-256 key: chunk id = HMAC(plaintext). */
  chunkId: CryptoKey;
  /** Committed AES-256-GCM key for chunk content. */
  chunk: SealKey;
  /** Raw bytes of `chunk` (enc, commit), for the buffer-reusing encryptor of `chunk-into.ts`. */
  chunkRaw: { enc: Uint8Array; commit: Uint8Array };
  /** Committed AES-256-GCM key for file manifests. */
  manifest: SealKey;
  /** 64-byte AES-SIV key (two AES-256 keys) for names. */
  nameSiv: Uint8Array;
  /** HMAC-SHA-256 key: path id = HMAC(normalised path). */
  pathId: CryptoKey;
  /** HMAC-SHA-256 key: content hash over a file's chunk ids. */
  fileHash: CryptoKey;
  /** 32-byte seed of the chunker's gear table (rule 6). */
  chunkerGearSeed: Uint8Array;
}

async function hmacKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/**
 * Derives every purpose key of a vault from its master key with HKDF-SHA-256.
 * @param masterKey The 32-byte master key.
 * @returns The vault's working keys (WebCrypto keys are non-extractable).
 */
export async function deriveVaultKeys(masterKey: Uint8Array<ArrayBuffer>): Promise<VaultKeys> {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new RangeError("A master key is 32 bytes");
  const L = SUBKEY_LABELS;
  const [chunkId, chunkEnc, chunkCommit, manifestEnc, manifestCommit, nameSiv, pathId, fileHash, gear] = await Promise.all([
    hkdf(masterKey, L.chunkId),
    hkdf(masterKey, L.chunkEnc),
    hkdf(masterKey, L.chunkCommit),
    hkdf(masterKey, L.manifestEnc),
    hkdf(masterKey, L.manifestCommit),
    hkdf(masterKey, L.nameSiv, 64),
    hkdf(masterKey, L.pathId),
    hkdf(masterKey, L.fileHash),
    hkdf(masterKey, L.chunkerGear),
  ]);
  return {
    chunkId: await hmacKey(chunkId),
    chunk: await importSealKey(chunkEnc, chunkCommit),
    chunkRaw: { enc: chunkEnc, commit: chunkCommit },
    manifest: await importSealKey(manifestEnc, manifestCommit),
    nameSiv,
    pathId: await hmacKey(pathId),
    fileHash: await hmacKey(fileHash),
    chunkerGearSeed: gear,
  };
}
