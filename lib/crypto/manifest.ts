import { open, seal } from "./aead.ts";
import { concatBytes, fromHex, fromUtf8, toHex, u64be, utf8 } from "./bytes.ts";
import { IntegrityError, UnsupportedVersionError } from "./errors.ts";
import { normalizePath, pathId } from "./paths.ts";
import type { VaultKeys } from "./subkeys.ts";

/** Version of the encrypted-manifest format. */
export const MANIFEST_FORMAT_VERSION = 1;
const MANIFEST_AD_PREFIX = utf8("SAM");
const HEX64 = /^[0-9a-f]{64}$/;

/** One chunk of a file, in order. */
export interface ManifestChunk {
  /** Chunk id (hex). */
  id: string;
  /** Plaintext length of the chunk. */
  size: number;
}

/**
 * One version of one path: what a file, a folder or a deletion is (rule 4,
 * rule 8). Encrypted whole; the server sees only the ciphertext.
 */
export interface FileManifest {
  kind: "file" | "dir" | "deleted";
  /** Normalised path relative to the sync folder. */
  path: string;
  /** File length in bytes (0 for folders and deletions). */
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
  /** POSIX mode bits (permissions), 0 where unknown. */
  mode: number;
  /** Chunks in file order. */
  chunks: ManifestChunk[];
  /** Keyed hash over size and chunk ids (see `contentHash`), hex; empty for folders and deletions. */
  contentHash: string;
}

/** Where a manifest belongs: the path id and version number it is bound to. */
export interface ManifestBinding {
  pathId: string;
  version: number;
}

function manifestAd(binding: ManifestBinding): Uint8Array<ArrayBuffer> {
  return concatBytes(MANIFEST_AD_PREFIX, Uint8Array.of(MANIFEST_FORMAT_VERSION), fromHex(binding.pathId), u64be(binding.version));
}

/**
 * The content hash of a file: HMAC-SHA-256 over its length and its ordered
 * chunk ids. Chunk ids are keyed hashes of the content, so this identifies
 * the whole content without reading the file again; equal hashes mean equal
 * files (used to resolve identical edits silently, A8).
 * @param keys The vault keys.
 * @param size File length.
 * @param chunks Chunk ids in order.
 * @returns 64 hex characters.
 */
export async function contentHash(keys: VaultKeys, size: number, chunks: readonly ManifestChunk[]): Promise<string> {
  const data = concatBytes(u64be(size), ...chunks.map((c) => fromHex(c.id)));
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", keys.fileHash, data)));
}

/**
 * Encrypts a manifest bound to its path id and version number.
 * @param keys The vault keys.
 * @param manifest The manifest.
 * @param binding The path id (must be the id of `manifest.path`) and the version.
 * @param nonce Only for known-answer tests.
 * @returns `version(1) ‖ nonce ‖ commit ‖ ciphertext ‖ tag`.
 */
export async function encryptManifest(
  keys: VaultKeys,
  manifest: FileManifest,
  binding: ManifestBinding,
  nonce?: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  validateManifest(manifest);
  if ((await pathId(keys, manifest.path)) !== binding.pathId) throw new RangeError("Manifest path does not match its path id");
  if (!Number.isSafeInteger(binding.version) || binding.version < 1) throw new RangeError("A version is an integer ≥ 1");
  const plain = utf8(JSON.stringify(canonical(manifest)));
  const box = await seal(keys.manifest, plain, manifestAd(binding), nonce);
  return concatBytes(Uint8Array.of(MANIFEST_FORMAT_VERSION), box);
}

/**
 * Decrypts a manifest and checks it belongs to this path id and version
 * (against swaps between paths, replays of older versions and rollbacks, C6).
 * @param keys The vault keys.
 * @param data The encrypted manifest (untrusted).
 * @param binding The path id and version the server claims.
 * @returns The manifest.
 * @throws IntegrityError when altered, moved or replayed.
 */
export async function decryptManifest(keys: VaultKeys, data: Uint8Array, binding: ManifestBinding): Promise<FileManifest> {
  if (data.length < 1) throw new IntegrityError("Cannot decrypt manifest: it is empty");
  if (data[0] !== MANIFEST_FORMAT_VERSION) {
    throw new UnsupportedVersionError(`Cannot decrypt manifest: format version ${data[0]} is not supported by this version of SyncAgent`);
  }
  if (!HEX64.test(binding.pathId) || !Number.isSafeInteger(binding.version) || binding.version < 1) {
    throw new IntegrityError("Cannot decrypt manifest: invalid path id or version");
  }
  const plain = await open(keys.manifest, data.subarray(1), manifestAd(binding), "manifest");
  let manifest: FileManifest;
  try {
    manifest = JSON.parse(fromUtf8(plain)) as FileManifest;
    validateManifest(manifest);
  } catch {
    throw new IntegrityError("Cannot decrypt manifest: its content is malformed");
  }
  if ((await pathId(keys, manifest.path)) !== binding.pathId) {
    throw new IntegrityError("Cannot decrypt manifest: it does not belong to this path");
  }
  return manifest;
}

function canonical(m: FileManifest): FileManifest {
  return {
    kind: m.kind,
    path: normalizePath(m.path),
    size: m.size,
    mtimeMs: m.mtimeMs,
    mode: m.mode,
    chunks: m.chunks.map((c) => ({ id: c.id, size: c.size })),
    contentHash: m.contentHash,
  };
}

function validateManifest(m: FileManifest): void {
  const ok =
    typeof m === "object" &&
    m !== null &&
    (m.kind === "file" || m.kind === "dir" || m.kind === "deleted") &&
    typeof m.path === "string" &&
    Number.isSafeInteger(m.size) &&
    m.size >= 0 &&
    Number.isFinite(m.mtimeMs) &&
    Number.isInteger(m.mode) &&
    Array.isArray(m.chunks) &&
    m.chunks.every((c) => HEX64.test(c.id) && Number.isSafeInteger(c.size) && c.size > 0) &&
    m.chunks.reduce((sum, c) => sum + c.size, 0) === m.size &&
    (m.contentHash === "" || HEX64.test(m.contentHash));
  if (!ok) throw new RangeError("Malformed manifest");
  normalizePath(m.path);
}
