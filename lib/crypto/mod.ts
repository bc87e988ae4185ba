/**
 * The client-side cryptography of SyncAgent, format v2 (C1, C2, C5–C8, K2):
 * key file and keyring of epochs, subkeys, chunk, manifest and name
 * encryption, node records and the history guard.
 * Reading goes through `openNodeRecord` (name and manifest cross-checked,
 * history guard): the raw `decryptManifest` and `decryptName` are internal
 * to this folder and not exported here.
 * Formats and the threat model: docs/security.md. Small objects run on
 * `node:crypto` where the runtime has it (found at run time, no static
 * import: `native.ts`), everything else and every runtime without it on
 * Web APIs, so a browser bundle can still import this; the upload
 * pipeline's in-place encryptor (`chunk-in-place.ts`, a static node:crypto
 * import) is imported directly by lib/pipeline.
 */
export * from "./errors.ts";
export { toHex, fromHex, toBase64Url, fromBase64Url, randomBytes } from "./bytes.ts";
export { DEFAULT_ARGON2, MAX_ARGON2, hkdf, type Argon2Params } from "./kdf.ts";
export { deriveEpochKeys, type EpochKeys } from "./subkeys.ts";
export { Keyring } from "./keyring.ts";
export { createVault, FIRST_EPOCH, type NewVault, type CreateVaultOptions } from "./vault.ts";
export {
  openWithPassword,
  openWithRecoveryKey,
  openWithRootKey,
  rewrapPassword,
  changePassword,
  addEpoch,
  readKeyFileHeader,
  KEY_FILE_VERSION,
  type KeyFileExpectation,
  type UnlockedVault,
  type KeyFileHeader,
} from "./key-file.ts";
export { formatFingerprint } from "./fingerprint.ts";
export { formatRecoveryKey, parseRecoveryKey } from "./recovery-key.ts";
export { OBJECT_FORMAT_VERSION } from "./object-format.ts";
export { encryptChunk, decryptChunk, chunkIdBytes, encryptedChunkLength, CHUNK_FIXED_OVERHEAD, type EncryptedChunk } from "./chunk.ts";
export {
  encryptManifest,
  contentHash,
  manifestHash,
  maxEncryptedManifestChars,
  type NodeManifest,
  type ManifestChunk,
  type ManifestBinding,
} from "./manifest.ts";
export { encryptName, MAX_ENCRYPTED_NAME_CHARS } from "./names.ts";
export { ROOT_NODE_ID, newNodeId, isNodeId } from "./node-id.ts";
export { openNodeRecord, sealNodeRecord, type NodeRecord, type OpenedNode, type SealedNode } from "./node-record.ts";
export { HistoryGuard, type HistoryEntry, type HistoryGuardJSON } from "./history.ts";
export { checkTree, type TreeNode } from "./tree.ts";
export { padme } from "./padding.ts";
export { normalizePath, normalizeName, parentPath, baseName } from "./paths.ts";
