import { importSealKey, type SealKey } from "./aead.ts";
import { concatBytes, u32be } from "./bytes.ts";
import { hkdf } from "./kdf.ts";
import { importHmacKey } from "./native-keys.ts";

/** Length of the root key and of each epoch secret, bytes. */
export const SECRET_BYTES = 32;
/** Length of a vault id, bytes (32 hex characters). */
export const VAULT_ID_BYTES = 16;

/**
 * HKDF labels: one per purpose, never shared (rule 2). Part of the format.
 * Each is used with salt = vault id (16) ‖ epoch (u32), so no two vaults or
 * epochs share a subkey even if they shared a secret.
 */
export const SUBKEY_LABELS = Object.freeze({
  chunkId: "syncagent/v2/chunk-id",
  chunkEnc: "syncagent/v2/chunk-enc",
  chunkCommit: "syncagent/v2/chunk-commit",
  manifestEnc: "syncagent/v2/manifest-enc",
  manifestCommit: "syncagent/v2/manifest-commit",
  nameSiv: "syncagent/v2/name-siv",
  contentHash: "syncagent/v2/content-hash",
  chunkerGear: "syncagent/v2/chunker-gear",
  checkpointEnc: "syncagent/v2/checkpoint-enc",
  checkpointCommit: "syncagent/v2/checkpoint-commit",
});

/** The working keys of one key epoch of one vault, all derived from the epoch secret. */
export interface EpochKeys {
  /** The vault these keys belong to (16 bytes), bound into every associated data. */
  vaultId: Uint8Array<ArrayBuffer>;
  /** The epoch number, carried in every object's header. */
  epoch: number;
  /** HMAC-SHA-256 key: chunk id = HMAC(plaintext). */
  chunkId: CryptoKey;
  /** Committed AES-256-GCM key for chunk content. */
  chunk: SealKey;
  /** Committed AES-256-GCM key for node manifests. */
  manifest: SealKey;
  /** 64-byte AES-SIV key (two AES-256 keys) for names. */
  nameSiv: Uint8Array;
  /** HMAC-SHA-256 key: content hash over a file's size and chunk ids. */
  contentHash: CryptoKey;
  /** 32-byte seed of the chunker's gear table (rule 6). */
  chunkerGearSeed: Uint8Array;
  /** Committed AES-256-GCM key for tree checkpoints (`checkpoint.ts`). */
  checkpoint: SealKey;
}

/**
 * Derives every purpose key of one epoch with HKDF-SHA-256 (rule 2).
 * @param epochSecret The epoch's 32-byte secret, from the keyring.
 * @param vaultId The vault's 16-byte id.
 * @param epoch The epoch number (u32).
 * @returns The epoch's working keys (WebCrypto keys are non-extractable; their `node:crypto` twins: `native-keys.ts`).
 */
export async function deriveEpochKeys(epochSecret: Uint8Array<ArrayBuffer>, vaultId: Uint8Array<ArrayBuffer>, epoch: number): Promise<EpochKeys> {
  if (epochSecret.length !== SECRET_BYTES) throw new RangeError("An epoch secret is 32 bytes");
  if (vaultId.length !== VAULT_ID_BYTES) throw new RangeError("A vault id is 16 bytes");
  const salt = concatBytes(vaultId, u32be(epoch));
  const L = SUBKEY_LABELS;
  const [chunkId, chunkEnc, chunkCommit, manifestEnc, manifestCommit, nameSiv, contentHash, gear, checkpointEnc, checkpointCommit] = await Promise.all([
    hkdf(epochSecret, L.chunkId, 32, salt),
    hkdf(epochSecret, L.chunkEnc, 32, salt),
    hkdf(epochSecret, L.chunkCommit, 32, salt),
    hkdf(epochSecret, L.manifestEnc, 32, salt),
    hkdf(epochSecret, L.manifestCommit, 32, salt),
    hkdf(epochSecret, L.nameSiv, 64, salt),
    hkdf(epochSecret, L.contentHash, 32, salt),
    hkdf(epochSecret, L.chunkerGear, 32, salt),
    hkdf(epochSecret, L.checkpointEnc, 32, salt),
    hkdf(epochSecret, L.checkpointCommit, 32, salt),
  ]);
  return {
    vaultId: new Uint8Array(vaultId),
    epoch,
    chunkId: await importHmacKey(chunkId),
    chunk: await importSealKey(chunkEnc, chunkCommit),
    manifest: await importSealKey(manifestEnc, manifestCommit),
    nameSiv,
    contentHash: await importHmacKey(contentHash),
    chunkerGearSeed: gear,
    checkpoint: await importSealKey(checkpointEnc, checkpointCommit),
  };
}
