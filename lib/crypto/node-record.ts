import { fromBase64Url } from "./bytes.ts";
import { IntegrityError, UnknownEpochError, UnsupportedVersionError } from "./errors.ts";
import type { HistoryGuard } from "./history.ts";
import type { Keyring } from "./keyring.ts";
import { decryptManifest, encryptManifest, manifestHash, type NodeManifest } from "./manifest.ts";
import { decryptName, encryptName } from "./names.ts";
import { isValidPlacement } from "./node-id.ts";
import type { EpochKeys } from "./subkeys.ts";

/** One node as the server lists it: ids in the clear, name and manifest encrypted. */
export interface NodeRecord {
  /** The node's id (32 hex). */
  nodeId: string;
  /** Its parent's node id (`ROOT_NODE_ID` for a top-level node). */
  parentId: string;
  /** The encrypted name (base64url, `encryptName`). */
  encName: string;
  /** The version the server says is current. */
  version: number;
  /** The encrypted manifest of that version: bytes, or base64url text as the server sends it. */
  manifest: Uint8Array | string;
}

/** A node record that opened and checked. */
export interface OpenedNode {
  nodeId: string;
  parentId: string;
  version: number;
  /** The decrypted name. */
  name: string;
  /** The decrypted manifest. */
  manifest: NodeManifest;
  /** SHA-256 hex of the encrypted manifest: the next version's `previous`, and what the history guard records. */
  hash: string;
  /** The manifest's `previous` (so an opened node is a `HistoryEntry`). */
  previous: string;
}

/** A node record ready to send, with its manifest's hash. */
export interface SealedNode {
  nodeId: string;
  parentId: string;
  encName: string;
  version: number;
  /** The encrypted manifest bytes (send base64url-encoded). */
  manifest: Uint8Array<ArrayBuffer>;
  /** SHA-256 hex of `manifest`. */
  hash: string;
}

/**
 * The one message of every record that does not open: bad ids, a bad name,
 * a bad manifest, a name or parent that does not match the manifest. Which
 * check failed is not told (rule 7): it would say which part was altered.
 */
export const RECORD_FAILURE = "Cannot open node record: it was altered or does not belong here";

/**
 * Encrypts a node's name and manifest into a record (rule 5): the name is
 * bound to the parent, the manifest to the node and version and it repeats
 * the name and the parent.
 * @param keys The epoch's keys (`keyring.current`).
 * @param binding Node id and version.
 * @param manifest The manifest (its `name` and `parentId` give the record's).
 * @returns The record to send and its manifest hash.
 */
export async function sealNodeRecord(keys: EpochKeys, binding: { nodeId: string; version: number }, manifest: NodeManifest): Promise<SealedNode> {
  const encrypted = await encryptManifest(keys, manifest, binding);
  return {
    nodeId: binding.nodeId,
    parentId: manifest.parentId,
    encName: encryptName(keys, manifest.parentId, manifest.name),
    version: binding.version,
    manifest: encrypted,
    hash: await manifestHash(encrypted),
  };
}

/**
 * Opens a node record from the server: decrypts the name bound to the
 * record's parent and the manifest bound to the record's node id and
 * version, and checks that the manifest names the same name and parent.
 * Two encrypted names swapped inside one folder, a record moved under
 * another parent, or a manifest attached to another node all fail.
 * The version is checked against the history guard (call
 * `history.accept(opened)` once the node is applied). `null` skips that
 * check: only for tests, and for a chain's earlier versions that go to
 * `history.acceptChain` together.
 * @param keyring The vault's keyring.
 * @param record The record (untrusted).
 * @param history The agent's history guard (required; `null` opts out, see above).
 * @returns The opened node.
 * @throws IntegrityError with the one message `RECORD_FAILURE` when anything does not verify
 *   (UnsupportedVersionError and UnknownEpochError pass through; the guard's own errors after it);
 *   TypeError without a guard argument.
 */
export async function openNodeRecord(keyring: Keyring, record: NodeRecord, history: HistoryGuard | null): Promise<OpenedNode> {
  if (history === undefined) throw new TypeError("openNodeRecord needs the history guard, or null to opt out");
  let name: string;
  let manifest: NodeManifest;
  let bytes: Uint8Array;
  try {
    if (!isValidPlacement(record.nodeId, record.parentId)) throw new IntegrityError(RECORD_FAILURE);
    bytes = typeof record.manifest === "string" ? fromBase64Url(record.manifest) : record.manifest;
    name = decryptName(keyring, record.parentId, record.encName);
    manifest = await decryptManifest(keyring, bytes, { nodeId: record.nodeId, version: record.version });
    if (manifest.name !== name || manifest.parentId !== record.parentId) throw new IntegrityError(RECORD_FAILURE);
  } catch (error) {
    // A format this build does not know and an epoch this keyring lacks are read
    // from public header bytes and say what to do (update, fetch the key file): kept.
    if (error instanceof UnsupportedVersionError || error instanceof UnknownEpochError) throw error;
    throw new IntegrityError(RECORD_FAILURE);
  }
  const hash = await manifestHash(bytes);
  const opened = { nodeId: record.nodeId, parentId: record.parentId, version: record.version, name, manifest, hash, previous: manifest.previous };
  if (history) history.check(opened);
  return opened;
}
