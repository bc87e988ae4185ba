import { decryptFailure, NONCE_BYTES, COMMIT_BYTES, open, seal, SEAL_OVERHEAD, TAG_BYTES } from "./aead.ts";
import { concatBytes, constantTimeEqual, fromHex, fromUtf8, sha256Hex, toHex, u32be, u64be, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";
import { hmacSha256 } from "./mac.ts";
import {
  canonicalManifest,
  manifestProblem,
  MAX_MACHINE_ID_CHARS,
  MAX_MANIFEST_CHUNK_BYTES,
  type ManifestBinding,
  type ManifestChunk,
  type NodeManifest,
} from "./manifest-validate.ts";
import { isNodeId, ROOT_NODE_ID } from "./node-id.ts";
import { OBJECT_FORMAT_VERSION, OBJECT_HEADER_BYTES, writeHeader } from "./object-format.ts";
import { pad, paddedManifestLength, unpad } from "./padding.ts";
import { normalizeName } from "./paths.ts";
import type { EpochKeys } from "./subkeys.ts";

export type { ManifestBinding, ManifestChunk, NodeManifest } from "./manifest-validate.ts";

const MANIFEST_AD_PREFIX = utf8("SAM");
const WHAT = "manifest";
/** Fixed bytes an encrypted manifest adds to its padded plaintext. */
export const MANIFEST_FIXED_OVERHEAD = OBJECT_HEADER_BYTES + SEAL_OVERHEAD;

function manifestAd(keys: EpochKeys, binding: ManifestBinding): Uint8Array<ArrayBuffer> {
  return concatBytes(
    MANIFEST_AD_PREFIX,
    Uint8Array.of(OBJECT_FORMAT_VERSION),
    keys.vaultId,
    u32be(keys.epoch),
    fromHex(binding.nodeId),
    u64be(binding.version),
  );
}

/** Compares a recomputed content hash with a claimed one in constant time (both are text; the claim may be any string). */
function sameHash(computed: string, claimed: string): boolean {
  return constantTimeEqual(utf8(computed), utf8(claimed));
}

function bindingOk(binding: ManifestBinding): boolean {
  return isNodeId(binding.nodeId) && binding.nodeId !== ROOT_NODE_ID && Number.isSafeInteger(binding.version) && binding.version >= 1;
}

/**
 * The content hash of a file: HMAC-SHA-256 over its length and its ordered
 * chunk ids, under the epoch's content-hash key. Chunk ids are keyed hashes
 * of the content, so this identifies the whole content without reading the
 * file again; equal hashes mean equal files (A8). Recomputed by every reader.
 * @param keys The epoch's keys.
 * @param size File length.
 * @param chunks Chunk ids in order.
 * @returns 64 hex characters.
 */
export async function contentHash(keys: EpochKeys, size: number, chunks: readonly ManifestChunk[]): Promise<string> {
  const data = concatBytes(u64be(size), ...chunks.map((c) => fromHex(c.id)));
  return toHex(await hmacSha256(keys.contentHash, data));
}

/**
 * The hash a later version names as `previous`: SHA-256 of the encrypted
 * manifest bytes, exactly as stored (rule 4, history chain).
 * @param encrypted The encrypted manifest.
 * @returns 64 hex characters.
 */
export function manifestHash(encrypted: Uint8Array): Promise<string> {
  return sha256Hex(encrypted);
}

/**
 * Seals manifest plaintext bytes without checking them. For `encryptManifest`
 * and for tests that need a genuine manifest with invalid content.
 * @param keys The epoch's keys.
 * @param plaintext The JSON bytes (padded here).
 * @param binding Node id and version.
 * @param nonce Only for known-answer tests.
 * @returns `format(1) ‖ epoch(4) ‖ nonce ‖ commit ‖ ciphertext ‖ tag`.
 */
export async function sealManifestBytes(
  keys: EpochKeys,
  plaintext: Uint8Array,
  binding: ManifestBinding,
  nonce?: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!bindingOk(binding)) throw new RangeError("A manifest is bound to a node id other than the root's and a version ≥ 1");
  const header = new Uint8Array(OBJECT_HEADER_BYTES);
  writeHeader(header, keys.epoch);
  return seal(keys.manifest, pad(plaintext, paddedManifestLength(plaintext.length)), manifestAd(keys, binding), nonce, header);
}

/**
 * Encrypts a manifest, padded, bound to vault, epoch, node id and version.
 * @param keys The epoch's keys (`keyring.current` for new versions).
 * @param manifest The manifest; its content hash must be the one of its chunks under `keys`.
 * @param binding The node id and the version.
 * @param nonce Only for known-answer tests.
 * @returns The encrypted manifest (store it base64url-encoded).
 * @throws RangeError for an invalid manifest (the message never contains the name).
 */
export async function encryptManifest(
  keys: EpochKeys,
  manifest: NodeManifest,
  binding: ManifestBinding,
  nonce?: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  let name: string;
  try {
    name = normalizeName(manifest.name);
  } catch (error) {
    throw new RangeError(`Invalid manifest: ${(error as Error).message}`);
  }
  const input = { ...manifest, name };
  const problem = bindingOk(binding) ? manifestProblem(input, binding) : "invalid node id or version";
  if (problem) throw new RangeError(`Invalid manifest: ${problem}`);
  const m = canonicalManifest(input);
  if (m.kind === "file" && !sameHash(await contentHash(keys, m.size, m.chunks), m.contentHash)) {
    throw new RangeError("Invalid manifest: the content hash is not the one of its chunks under this epoch");
  }
  return sealManifestBytes(keys, utf8(JSON.stringify(m)), binding, nonce);
}

/**
 * Decrypts a manifest and checks it: bound to this vault, epoch, node id and
 * version (against moves, swaps and replays, C6), canonical padding, strict
 * per-kind validation, and the content hash recomputed from size and chunk
 * ids. Every failure gives one message.
 * @param keyring The vault's keyring (the header names the epoch).
 * @param data The encrypted manifest (untrusted).
 * @param binding The node id and version the server claims.
 * @returns The manifest.
 * @throws IntegrityError when altered, moved, replayed or malformed; UnsupportedVersionError for an unknown format.
 */
export async function decryptManifest(keyring: Keyring, data: Uint8Array, binding: ManifestBinding): Promise<NodeManifest> {
  const failure = () => new IntegrityError(decryptFailure(WHAT));
  const keys = keyring.keysFor(data, WHAT, MANIFEST_FIXED_OVERHEAD + 1);
  if (!bindingOk(binding)) throw failure();
  const padded = await open(keys.manifest, data.subarray(OBJECT_HEADER_BYTES), manifestAd(keys, binding), WHAT);
  const plain = unpad(padded, paddedManifestLength);
  if (!plain) throw failure();
  let manifest: NodeManifest;
  try {
    manifest = JSON.parse(fromUtf8(plain)) as NodeManifest;
  } catch {
    throw failure();
  }
  if (manifestProblem(manifest, binding) !== undefined) throw failure();
  if (manifest.kind === "file" && !sameHash(await contentHash(keys, manifest.size, manifest.chunks), manifest.contentHash)) throw failure();
  return manifest;
}

/**
 * The largest encrypted manifest with `chunkCount` chunks, as base64url
 * characters: a 255-byte name of control characters (6 JSON bytes each),
 * the longest machine id, the longest numbers, 1 GiB chunks; padded.
 * The server bounds manifests it accepts by this.
 * @param chunkCount Chunks listed.
 * @returns Base64url characters, unpadded.
 */
export function maxEncryptedManifestChars(chunkCount: number): number {
  const worst: NodeManifest = {
    kind: "deleted",
    name: "\u0001".repeat(255),
    parentId: ROOT_NODE_ID,
    size: Number.MAX_SAFE_INTEGER,
    mtimeMs: 0,
    mode: 0o7777,
    chunks: [],
    contentHash: "f".repeat(64),
    previous: "f".repeat(64),
    machineId: "m".repeat(MAX_MACHINE_ID_CHARS),
  };
  // A finite double prints as at most 24 characters (-1.2345678901234567e-308); "0" is 1.
  const base = utf8(JSON.stringify(worst)).length - 1 + 24;
  const perChunk = JSON.stringify({ id: "f".repeat(64), size: MAX_MANIFEST_CHUNK_BYTES }).length + 1;
  const plain = base + chunkCount * perChunk;
  return Math.ceil(((MANIFEST_FIXED_OVERHEAD + paddedManifestLength(plain)) * 4) / 3);
}

/** Bytes before a manifest's ciphertext (header, nonce, commitment), for tests that cut into it. */
export const MANIFEST_HEADER_BYTES = OBJECT_HEADER_BYTES + NONCE_BYTES + COMMIT_BYTES;
/** GCM tag length at the end of a manifest. */
export const MANIFEST_TAG_BYTES = TAG_BYTES;
