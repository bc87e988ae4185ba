/**
 * Authenticated tree checkpoints (C6, Q1): what one machine verified of the
 * vault's tree at one point of the server's change log, sealed so that the
 * server can store and hand it out but neither read nor forge it.
 *
 * A checkpoint lists every node the writer's verified remote tree holds,
 * tombstones included, as (node id, version, manifest hash), sorted by node
 * id. Another machine that has read the change log at least as far checks
 * its own tree against it (`lib/agent/checkpoints/verify.ts`): a node the
 * server hides, a deletion it hides, a version it rolls back or a version it
 * forks shows as a difference, even on a fresh machine that has no history
 * of its own yet.
 *
 * Format: `format(1) ‖ epoch(4) ‖ box`, the box sealed under the epoch's
 * checkpoint key with associated data `SACP ‖ format ‖ vault id ‖ epoch ‖
 * machine id ‖ number`, so a checkpoint cannot be moved to another vault,
 * another machine or another place in its machine's chain. The plaintext:
 * `number(8) ‖ cursor(8) ‖ createdAt(8) ‖ previous(32) ‖ count(4)`, then
 * `count` entries of `node id(16) ‖ parent id(16) ‖ version(8) ‖ manifest
 * hash(32) ‖ kind(1)` (1 file, 2 folder, 3 deletion).
 * `previous` is the SHA-256 of the machine's previous sealed checkpoint (32
 * zero bytes for number 1): each machine's checkpoints form a hash chain.
 */
import { open, seal, SEAL_OVERHEAD } from "./aead.ts";
import { concatBytes, fromHex, hexWindow, toHex, u32be, u64be, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";
import { isNodeId } from "./node-id.ts";
import { OBJECT_FORMAT_VERSION, OBJECT_HEADER_BYTES, writeHeader } from "./object-format.ts";
import type { EpochKeys } from "./subkeys.ts";

const AD_PREFIX = utf8("SACP");
const WHAT = "checkpoint";
const FAILURE = "Cannot open checkpoint: it was altered or does not belong here";
/** Bytes of the plaintext before the entries. */
const HEAD_BYTES = 8 + 8 + 8 + 32 + 4;
/** Bytes of one entry. */
export const CHECKPOINT_ENTRY_BYTES = 16 + 16 + 8 + 32 + 1;
/** Most entries one checkpoint holds (about 70 MiB of plaintext): a bound on what a hostile server can make a machine open. */
export const MAX_CHECKPOINT_ENTRIES = 1_000_000;
const MACHINE_ID = /^[0-9a-f]{32}$/;
const HASH = /^[0-9a-f]{64}$/;
const NO_PREVIOUS = "0".repeat(64);

/** One node as the writer verified it. */
export interface CheckpointEntry {
  /** 32 hex characters. */
  nodeId: string;
  /** Its folder's node id at that version (the root is 000…0). */
  parentId: string;
  /** Its verified version (≥ 1). */
  version: number;
  /** SHA-256 of its encrypted manifest, 64 hex characters. */
  hash: string;
  /** What the version is. */
  kind: CheckpointKind;
}

/** A node kind, as the manifest names it. */
export type CheckpointKind = "file" | "dir" | "delete";
const KIND_CODES: Record<CheckpointKind, number> = { file: 1, dir: 2, delete: 3 };
const KINDS: readonly (CheckpointKind | undefined)[] = [undefined, "file", "dir", "delete"];

/** A checkpoint's content. */
export interface Checkpoint {
  /** The writing machine's id (32 hex characters, the server's machine id). */
  machineId: string;
  /** Position in the machine's chain, from 1. */
  number: number;
  /** SHA-256 (hex) of the machine's previous sealed checkpoint; null for number 1. */
  previous: string | null;
  /** The server change-log cursor the writer's tree reflects. */
  cursor: number;
  /** When it was made (ms, the writer's clock: informative only). */
  createdAt: number;
  /** Every node of the writer's verified tree, sorted by node id, each once. */
  entries: CheckpointEntry[];
}

function checkpointAd(keys: EpochKeys, machineId: string, number: number): Uint8Array<ArrayBuffer> {
  return concatBytes(AD_PREFIX, Uint8Array.of(OBJECT_FORMAT_VERSION), keys.vaultId, u32be(keys.epoch), fromHex(machineId), u64be(number));
}

function isCount(n: number, min: number): boolean {
  return Number.isSafeInteger(n) && n >= min;
}

/**
 * Whether entries are sorted by node id with no id twice (the order both
 * sides hash and compare in).
 * @param entries The entries.
 * @returns The first problem, or undefined.
 */
function entriesProblem(entries: readonly CheckpointEntry[]): string | undefined {
  if (entries.length > MAX_CHECKPOINT_ENTRIES) return `more than ${MAX_CHECKPOINT_ENTRIES} entries`;
  let last = "";
  for (const e of entries) {
    if (!isNodeId(e.nodeId)) return "an entry's node id is not 32 lowercase hex characters";
    if (e.nodeId <= last) return "entries are not sorted by node id, or one is there twice";
    if (!isNodeId(e.parentId)) return "an entry's parent id is not 32 lowercase hex characters";
    if (!isCount(e.version, 1)) return "an entry's version is not a whole number ≥ 1";
    if (!HASH.test(e.hash)) return "an entry's hash is not 64 lowercase hex characters";
    if (!(e.kind in KIND_CODES)) return "an entry's kind is not file, dir or delete";
    last = e.nodeId;
  }
  return undefined;
}

/**
 * Sorts tree entries into checkpoint order.
 * @param entries Entries in any order (each node once).
 * @returns A new array sorted by node id.
 */
export function sortEntries(entries: Iterable<CheckpointEntry>): CheckpointEntry[] {
  return [...entries].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}

/**
 * A checkpoint's plaintext, checked (what {@link sealEncoded} seals).
 * @param checkpoint The content; entries sorted by node id (see {@link sortEntries}).
 * @returns The plaintext bytes.
 * @throws RangeError for an invalid checkpoint.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array<ArrayBuffer> {
  const { machineId, number, previous, cursor, createdAt, entries } = checkpoint;
  if (!MACHINE_ID.test(machineId)) throw new RangeError("Invalid checkpoint: the machine id is not 32 lowercase hex characters");
  if (!isCount(number, 1)) throw new RangeError("Invalid checkpoint: the number is not a whole number ≥ 1");
  if ((number === 1) !== (previous === null) || (previous !== null && (!HASH.test(previous) || previous === NO_PREVIOUS))) {
    throw new RangeError("Invalid checkpoint: the first has no previous hash, every later one has one");
  }
  if (!isCount(cursor, 0) || !isCount(createdAt, 0)) throw new RangeError("Invalid checkpoint: cursor and time are whole numbers ≥ 0");
  const problem = entriesProblem(entries);
  if (problem) throw new RangeError(`Invalid checkpoint: ${problem}`);
  const plain = new Uint8Array(HEAD_BYTES + entries.length * CHECKPOINT_ENTRY_BYTES);
  const view = new DataView(plain.buffer);
  const hex = hexWindow(plain);
  view.setBigUint64(0, BigInt(number));
  view.setBigUint64(8, BigInt(cursor));
  view.setBigUint64(16, BigInt(createdAt));
  hex.write(previous ?? NO_PREVIOUS, 24);
  view.setUint32(56, entries.length);
  let at = HEAD_BYTES;
  for (const e of entries) {
    hex.write(e.nodeId, at);
    hex.write(e.parentId, at + 16);
    view.setUint32(at + 32, Math.floor(e.version / 2 ** 32));
    view.setUint32(at + 36, e.version >>> 0);
    hex.write(e.hash, at + 40);
    plain[at + 72] = KIND_CODES[e.kind];
    at += CHECKPOINT_ENTRY_BYTES;
  }
  return plain;
}

/**
 * What a checkpoint says of the tree, apart from its place in the chain and its time: SHA-256 of its cursor and
 * entries. Two checkpoints with the same one list the same tree at the same cursor (nothing new to publish).
 * @param plain A plaintext from {@link encodeCheckpoint}.
 * @returns 64 hex characters.
 */
export async function treeDigest(plain: Uint8Array): Promise<string> {
  const part = new Uint8Array(8 + plain.length - 56);
  part.set(plain.subarray(8, 16));
  part.set(plain.subarray(56), 8);
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", part)));
}

/**
 * Seals a checkpoint's plaintext under the epoch's checkpoint key.
 * @param keys The epoch's keys (`keyring.current`).
 * @param machineId The writer (as in the plaintext).
 * @param number Its number (as in the plaintext).
 * @param plain From {@link encodeCheckpoint}.
 * @returns The sealed bytes (send them as they are) and their SHA-256 (the next checkpoint's `previous`).
 */
export async function sealEncoded(keys: EpochKeys, machineId: string, number: number, plain: Uint8Array<ArrayBuffer>): Promise<{ sealed: Uint8Array<ArrayBuffer>; hash: string }> {
  const header = new Uint8Array(OBJECT_HEADER_BYTES);
  writeHeader(header, keys.epoch);
  const sealed = await seal(keys.checkpoint, plain, checkpointAd(keys, machineId, number), undefined, header);
  return { sealed, hash: await checkpointHash(sealed) };
}

/**
 * Seals a checkpoint under the current epoch's checkpoint key.
 * @param keys The epoch's keys (`keyring.current`).
 * @param checkpoint The content; entries sorted by node id (see {@link sortEntries}).
 * @returns The sealed bytes (send them as they are) and their SHA-256 (the next checkpoint's `previous`).
 * @throws RangeError for an invalid checkpoint.
 */
export async function sealCheckpoint(keys: EpochKeys, checkpoint: Checkpoint): Promise<{ sealed: Uint8Array<ArrayBuffer>; hash: string }> {
  const plain = encodeCheckpoint(checkpoint);
  return sealEncoded(keys, checkpoint.machineId, checkpoint.number, plain);
}

/**
 * The SHA-256 of a sealed checkpoint, as the next one's `previous` names it.
 * @param sealed The sealed bytes.
 * @returns 64 hex characters.
 */
export async function checkpointHash(sealed: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", sealed as Uint8Array<ArrayBuffer>)));
}

/**
 * Opens a checkpoint the server handed out, checking that it belongs to this
 * vault, to the machine and to the place in its chain the server claims.
 * @param keyring The vault's keyring (the header names the epoch).
 * @param sealed The bytes (untrusted).
 * @param claimed The machine id and number the server listed it under.
 * @returns The checkpoint.
 * @throws IntegrityError when it was altered, moved or is malformed; UnknownEpochError for an epoch this keyring lacks.
 */
export async function openCheckpoint(keyring: Keyring, sealed: Uint8Array, claimed: { machineId: string; number: number }): Promise<Checkpoint> {
  const failure = () => new IntegrityError(FAILURE);
  if (!MACHINE_ID.test(claimed.machineId) || !isCount(claimed.number, 1)) throw failure();
  const keys = keyring.keysFor(sealed, WHAT, OBJECT_HEADER_BYTES + SEAL_OVERHEAD + HEAD_BYTES);
  const plain = await open(keys.checkpoint, sealed.subarray(OBJECT_HEADER_BYTES), checkpointAd(keys, claimed.machineId, claimed.number), WHAT);
  if (plain.length < HEAD_BYTES) throw failure();
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  const number = Number(view.getBigUint64(0));
  const cursor = Number(view.getBigUint64(8));
  const createdAt = Number(view.getBigUint64(16));
  const hex = hexWindow(plain);
  const previousHex = hex.read(24, 56);
  const count = view.getUint32(56);
  if (number !== claimed.number || count > MAX_CHECKPOINT_ENTRIES || plain.length !== HEAD_BYTES + count * CHECKPOINT_ENTRY_BYTES) throw failure();
  if (!Number.isSafeInteger(cursor) || !Number.isSafeInteger(createdAt)) throw failure();
  const previous = previousHex === NO_PREVIOUS ? null : previousHex;
  if ((number === 1) !== (previous === null)) throw failure();
  const entries: CheckpointEntry[] = new Array<CheckpointEntry>(count);
  let at = HEAD_BYTES;
  for (let i = 0; i < count; i++) {
    const kind = KINDS[plain[at + 72] ?? 0];
    if (kind === undefined) throw failure();
    entries[i] = { nodeId: hex.read(at, at + 16), parentId: hex.read(at + 16, at + 32), version: view.getUint32(at + 32) * 2 ** 32 + view.getUint32(at + 36), hash: hex.read(at + 40, at + 72), kind };
    at += CHECKPOINT_ENTRY_BYTES;
  }
  if (entriesProblem(entries) !== undefined) throw failure();
  return { machineId: claimed.machineId, number, previous, cursor, createdAt, entries };
}
