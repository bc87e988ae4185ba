// Known-answer tests, format v2: fixed keys, nonces and inputs give fixed
// bytes for every format (chunk, name, manifest, key file, recovery key,
// subkeys), so an accidental format change fails here (C2, C5, C6, K2).
// The vectors live in vectors/known-answers-v2.json for other implementations.
import { hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fromHex, sha256Hex, toHex, utf8 } from "../../lib/crypto/bytes.ts";
import { CHUNK_FIXED_OVERHEAD, decryptChunk, encryptChunk, encryptedChunkLength } from "../../lib/crypto/chunk.ts";
import { CHUNK_HEADER_BYTES, encryptChunkInPlace } from "../../lib/crypto/chunk-in-place.ts";
import { openWithPassword, openWithRecoveryKey } from "../../lib/crypto/key-file.ts";
import { contentHash, decryptManifest, encryptManifest, type NodeManifest } from "../../lib/crypto/manifest.ts";
import { decryptName, encryptName } from "../../lib/crypto/names.ts";
import { CHUNK_PAD_FLOOR } from "../../lib/crypto/padding.ts";
import { formatRecoveryKey, parseRecoveryKey } from "../../lib/crypto/recovery-key.ts";
import {
  KAT_EPOCH2_SECRET,
  KAT_EPOCH_SECRET,
  KAT_FOLDER_ID,
  KAT_NODE_ID,
  KAT_NONCE,
  KAT_PASSWORD,
  KAT_RECOVERY_SECRET,
  KAT_ROOT_KEY,
  KAT_VAULT_ID,
  katKeyFile,
  katKeyring,
  katRandom,
  katTwoEpochKeyring,
} from "./fixtures.ts";

interface Vectors {
  chunkerGearSeed: string;
  chunkId: string;
  chunk: string;
  contentHash: string;
  encryptedName: string;
  manifest: string;
  keyFile: string;
  fingerprint: string;
  twoEpochs: {
    epoch2Secret: string;
    chunkerGearSeed: string;
    chunkId: string;
    chunk: string;
    contentHash: string;
    encryptedName: string;
    manifest: string;
    keyFile: string;
  };
}
const V = JSON.parse(readFileSync(join(import.meta.dirname, "vectors", "known-answers-v2.json"), "utf8")) as Vectors;

const PLAIN = utf8("SyncAgent known-answer chunk\n");
/** SHA-256 of the manifest vector: a second pin, independent of the JSON file. */
const MANIFEST_SHA256 = "15f81dc932b63a73815b638bf077c45b9fd91dd61709417a57bf9860d078e618";
const RECOVERY_TEXT = "Y3RF1-W7GY3-RF1W7-GY3RF-1W7GY-3RF1W-7GY3R-F1W7G-Y3RF1-W7GY3-R85S8";

const MANIFEST_VALUE: NodeManifest = {
  kind: "file",
  name: "notes.txt",
  parentId: KAT_FOLDER_ID,
  size: PLAIN.length,
  mtimeMs: 1_700_000_000_000,
  mode: 0o644,
  chunks: [{ id: V.chunkId, size: PLAIN.length }],
  contentHash: V.contentHash,
  previous: "ab".repeat(32),
  machineId: "0123456789abcdef0123456789abcdef",
};

describe("known answers (format v2)", () => {
  it("derives the chunker gear seed from the epoch secret and vault id", async () => {
    expect(toHex((await katKeyring()).current.chunkerGearSeed)).toBe(V.chunkerGearSeed);
  });

  it("encrypts a chunk to fixed bytes and back", async () => {
    const ring = await katKeyring();
    const encrypted = await encryptChunk(ring.current, PLAIN, KAT_NONCE);
    expect(encrypted.id).toBe(V.chunkId);
    expect(toHex(encrypted.data)).toBe(V.chunk);
    expect(V.chunk.slice(0, 10)).toBe("0200000001"); // format 2, epoch 1
    expect(V.chunk.length / 2).toBe(CHUNK_FIXED_OVERHEAD + CHUNK_PAD_FLOOR); // 29 bytes + marker, raised to the 1 KiB floor
    expect(CHUNK_PAD_FLOOR).toBe(1024);
    expect(await decryptChunk(ring, V.chunkId, fromHex(V.chunk))).toEqual(PLAIN);
  });

  it("encrypts a name to fixed bytes and back", async () => {
    const ring = await katKeyring();
    expect(encryptName(ring.current, KAT_FOLDER_ID, "notes.txt")).toBe(V.encryptedName);
    expect(decryptName(ring, KAT_FOLDER_ID, V.encryptedName)).toBe("notes.txt");
  });

  it("encrypts a manifest to fixed bytes and back", async () => {
    const ring = await katKeyring();
    expect(await contentHash(ring.current, PLAIN.length, MANIFEST_VALUE.chunks)).toBe(V.contentHash);
    const blob = await encryptManifest(ring.current, MANIFEST_VALUE, { nodeId: KAT_NODE_ID, version: 3 }, KAT_NONCE);
    expect(toHex(blob)).toBe(V.manifest);
    expect(await sha256Hex(blob)).toBe(MANIFEST_SHA256);
    expect(await decryptManifest(ring, fromHex(V.manifest), { nodeId: KAT_NODE_ID, version: 3 })).toEqual(MANIFEST_VALUE);
  });

  it("formats and parses a fixed recovery key", async () => {
    expect(await formatRecoveryKey(KAT_RECOVERY_SECRET)).toBe(RECOVERY_TEXT);
    expect(await parseRecoveryKey(RECOVERY_TEXT)).toEqual(KAT_RECOVERY_SECRET);
  });

  it("builds a fixed key file and opens it with the password and with the recovery key", async () => {
    expect(toHex(await katKeyFile(katRandom()))).toBe(V.keyFile);
    const file = fromHex(V.keyFile);
    const expect_ = { vaultId: KAT_VAULT_ID, fingerprint: V.fingerprint, minRevision: 1 };
    const byPassword = await openWithPassword(file, KAT_PASSWORD, expect_);
    expect(byPassword.rootKey).toEqual(KAT_ROOT_KEY);
    expect(byPassword.fingerprint).toBe(V.fingerprint);
    // Derived, not keyed with the root key (rule 2): HKDF(root key, salt = vault id, "syncagent/v2/fingerprint"), 16 bytes, by an independent HKDF.
    expect(toHex(new Uint8Array(hkdfSync("sha256", KAT_ROOT_KEY, fromHex(KAT_VAULT_ID), "syncagent/v2/fingerprint", 16)))).toBe(V.fingerprint);
    expect(V.fingerprint).toBe("3d9f5d1d2095425afea4d6861438d369");
    expect(byPassword.revision).toBe(1);
    expect(byPassword.minFormat).toBe(2);
    expect(toHex(byPassword.keyring.current.chunkerGearSeed)).toBe(V.chunkerGearSeed);
    expect((await openWithRecoveryKey(file, await parseRecoveryKey(RECOVERY_TEXT), expect_)).rootKey).toEqual(KAT_ROOT_KEY);
  });
});

describe("known answers with two epochs (after one rotation)", () => {
  const T = V.twoEpochs;

  it("builds a fixed two-epoch key file whose keyring opens to epochs 1 and 2, current 2", async () => {
    expect(T.epoch2Secret).toBe(toHex(KAT_EPOCH2_SECRET));
    const file = await katKeyFile(katRandom(), new Map([[1, KAT_EPOCH_SECRET], [2, KAT_EPOCH2_SECRET]]), 2);
    expect(toHex(file)).toBe(T.keyFile);
    expect(T.keyFile.length / 2).toBe(V.keyFile.length / 2 + 36); // one more sealed epoch
    const vault = await openWithPassword(fromHex(T.keyFile), KAT_PASSWORD, { vaultId: KAT_VAULT_ID, fingerprint: V.fingerprint, minRevision: 2 });
    expect(vault.revision).toBe(2);
    expect(vault.fingerprint).toBe(V.fingerprint); // same root key
    expect(vault.keyring.epochs).toEqual([1, 2]);
    expect(vault.keyring.current.epoch).toBe(2);
    expect(toHex(vault.keyring.current.chunkerGearSeed)).toBe(T.chunkerGearSeed);
    expect(toHex(vault.keyring.epoch(1).chunkerGearSeed)).toBe(V.chunkerGearSeed);
    expect(T.chunkerGearSeed).not.toBe(V.chunkerGearSeed);
  });

  it("writes fixed epoch-2 chunk, name and manifest bytes and still reads epoch 1's", async () => {
    const ring = await katTwoEpochKeyring();
    const plain = utf8("SyncAgent known-answer chunk\n");
    const chunk = await encryptChunk(ring.current, plain, KAT_NONCE);
    expect(chunk.id).toBe(T.chunkId);
    expect(T.chunkId).not.toBe(V.chunkId); // ids are per epoch
    expect(toHex(chunk.data)).toBe(T.chunk);
    expect(T.chunk.slice(0, 10)).toBe("0200000002"); // format 2, epoch 2
    expect(await decryptChunk(ring, T.chunkId, fromHex(T.chunk))).toEqual(plain);
    expect(await decryptChunk(ring, V.chunkId, fromHex(V.chunk))).toEqual(plain); // epoch 1 still reads
    expect(encryptName(ring.current, KAT_FOLDER_ID, "notes.txt")).toBe(T.encryptedName);
    expect(T.encryptedName).not.toBe(V.encryptedName);
    expect(decryptName(ring, KAT_FOLDER_ID, V.encryptedName)).toBe("notes.txt");
    const chunks = [{ id: T.chunkId, size: plain.length }];
    expect(await contentHash(ring.current, plain.length, chunks)).toBe(T.contentHash);
    const value: NodeManifest = { ...MANIFEST_VALUE, chunks, contentHash: T.contentHash };
    expect(toHex(await encryptManifest(ring.current, value, { nodeId: KAT_NODE_ID, version: 3 }, KAT_NONCE))).toBe(T.manifest);
    expect(T.manifest.slice(0, 10)).toBe("0200000002");
    expect(await decryptManifest(ring, fromHex(T.manifest), { nodeId: KAT_NODE_ID, version: 3 })).toEqual(value);
    expect(await decryptManifest(ring, fromHex(V.manifest), { nodeId: KAT_NODE_ID, version: 3 })).toEqual(MANIFEST_VALUE);
    // The epoch-1-only keyring cannot read epoch 2.
    await expect(decryptChunk(await katKeyring(), T.chunkId, fromHex(T.chunk))).rejects.toThrow(/key epoch 2 is not in this keyring/);
  });
});

describe("in-place chunk encryption", () => {
  it("gives the same bytes as encryptChunk for the same nonce, padding included", async () => {
    const keys = (await katKeyring()).current;
    const buffer = new Uint8Array(encryptedChunkLength(PLAIN.length) + 7).fill(0xee); // recycled: stale bytes
    buffer.set(PLAIN, CHUNK_HEADER_BYTES);
    const sealed = await encryptChunkInPlace(keys, buffer, PLAIN.length, KAT_NONCE);
    expect(sealed.id).toBe(V.chunkId);
    expect(toHex(sealed.data)).toBe(V.chunk);
  });

  it("matches encryptChunk on a multi-slice chunk and decrypts", async () => {
    const ring = await katKeyring();
    const plain = new Uint8Array(1_000_003).map((_, i) => (i * 31) & 0xff);
    const buffer = new Uint8Array(encryptedChunkLength(plain.length)).fill(0xaa);
    buffer.set(plain, CHUNK_HEADER_BYTES);
    const sealed = await encryptChunkInPlace(ring.current, buffer, plain.length, KAT_NONCE);
    const reference = await encryptChunk(ring.current, plain, KAT_NONCE);
    expect(Buffer.compare(sealed.data, reference.data)).toBe(0);
    expect(Buffer.compare(await decryptChunk(ring, sealed.id, sealed.data), plain)).toBe(0);
  });

  it("refuses a buffer too small for the chunk, its padding and its overhead", async () => {
    const keys = (await katKeyring()).current;
    await expect(encryptChunkInPlace(keys, new Uint8Array(100), 50)).rejects.toThrow(/too small/);
    await expect(encryptChunkInPlace(keys, new Uint8Array(encryptedChunkLength(1000) - 1), 1000)).rejects.toThrow(/too small/);
  });
});
