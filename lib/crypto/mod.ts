/**
 * The client-side cryptography of SyncAgent (C1, C2, C5, C6, C7, K2):
 * key file, subkeys, chunk and manifest encryption, names and path ids.
 * Formats and the threat model: docs/security.md.
 */
export * from "./errors.ts";
export { toHex, fromHex, toBase64Url, fromBase64Url, randomBytes } from "./bytes.ts";
export { DEFAULT_ARGON2, type Argon2Params } from "./kdf.ts";
export { deriveVaultKeys, type VaultKeys, MASTER_KEY_BYTES } from "./subkeys.ts";
export { createVault, type NewVault } from "./vault.ts";
export { unwrapWithPassword, unwrapWithRecoveryKey, rewrapPassword, changePassword, wrapMasterKey, KEY_FILE_VERSION } from "./key-file.ts";
export { formatRecoveryKey, parseRecoveryKey } from "./recovery-key.ts";
export { encryptChunk, decryptChunk, chunkIdBytes, CHUNK_OVERHEAD, CHUNK_FORMAT_VERSION, type EncryptedChunk } from "./chunk.ts";
export { encryptManifest, decryptManifest, contentHash, type FileManifest, type ManifestChunk, type ManifestBinding } from "./manifest.ts";
export { encryptName, decryptName } from "./names.ts";
export { normalizePath, normalizeName, parentPath, baseName, pathId } from "./paths.ts";
export { assertNotRolledBack } from "./rollback.ts";
