// Known-answer tests: fixed keys and inputs give fixed bytes for every
// format, so an accidental format change fails here (C2, C5, C6, K2).
import { describe, expect, it } from "vitest";
import { fromHex, toHex, utf8 } from "../../lib/crypto/bytes.ts";
import { CHUNK_OVERHEAD, decryptChunk, encryptChunk } from "../../lib/crypto/chunk.ts";
import { CHUNK_HEADER_BYTES, encryptChunkInPlace } from "../../lib/crypto/chunk-in-place.ts";
import { unwrapWithPassword, unwrapWithRecoveryKey } from "../../lib/crypto/key-file.ts";
import { contentHash, decryptManifest, encryptManifest, type FileManifest } from "../../lib/crypto/manifest.ts";
import { decryptName, encryptName } from "../../lib/crypto/names.ts";
import { pathId } from "../../lib/crypto/paths.ts";
import { formatRecoveryKey, parseRecoveryKey } from "../../lib/crypto/recovery-key.ts";
import { KAT_MASTER_KEY, KAT_NONCE, katKeys } from "./fixtures.ts";

const PLAIN = utf8("SyncAgent known-answer chunk\n");
const CHUNK_ID = "c9c732add992276bf2e1ff62777412b45329a4e7ae016e67f17e0fd2efa71e3c";
const CHUNK =
  "01a0a1a2a3a4a5a6a7a8a9aaab983c42737c7f5adf724c5ba007f0521196f03d90ce2b60bdf0fba40e81934132950ccbd1f3af9ce59354418a3a04e2bb47e9e1dd8e7adb657cfe4e71acbd10b03cbcadae3715e98bb21489d3aa";
const PATH_ID = "aa922445b6956554424aef4d7f0593fa07b8eec8554fd62364cdd2206c183ffb";
const ROOT_ID = "f48e284f2b30587858b8c9ffbde1529e2327b1af4dfdc2157b15fa90981bbcad";
const DIR_ID = "90c82f4ead1a62a7c2307630bd0f0ed794fe404ee93537c615dbaffe2df091ac";
const NAME = "ASMJ_BUFd5BKN2SeY8PpT58JeMl56KdEAqI";
const CONTENT_HASH = "447338d632b1664f9f6a73deb01058046f1046ddd2f70e2b21e1e460ac9ca697";
const MANIFEST =
  "01a0a1a2a3a4a5a6a7a8a9aaabab5f79a56b79ccbbbb97ce3d21db2b21af2bf94da219ec9140da1e6ff0987969743cef7f7c8a4b73a720211d05969a4c5fde70897b59d7d19144229ef6e0308c4af300df11558b9b178fd74fa5c6daa7cfd1625ca9d08dd6220bc293403a7b298fdb3008013e673d00b17763293f5bb294bdb9987420fe36ce93cc7e77b2e4d408551fa33620d0b7dd1abdac6162a8fd59f90c7b74719914ca062c1cdc6532df6a582448d920805f39531a3bb4c226c99324e5128eecc55f34178dd9e17cbfd358cff7985530363679d66b471d775be87346d08e260fafd3bfe247712b01a6f91a99ebf4df9930a808c9901e9e6d4b3a40c73effeef5599d88554e09954b111478bb62dc0e2b3a395886e3dd0c3a9174ca6e6cae88bf093242ea8415ee5b9075ebd2d06d1e5df154b9de9efa59e14a119c48d61cdbe6123c52";
const GEAR_SEED = "0c04a6c85f5fb38f5e2e400e16eb93e791afcd7c18bdc69db8d4981f50c48b8e";
const RECOVERY_SECRET = fromHex("f0".repeat(32));
const RECOVERY_TEXT = "Y3RF1-W7GY3-RF1W7-GY3RF-1W7GY-3RF1W-7GY3R-F1W7G-Y3RF1-W7GY3-R85S8";
const KEY_FILE =
  "53414b46010201007601000100000000000301203a46d35cef5a63be389c5a3fedff79a48cfa7212a5827cab6f761390116fa377986bcb3ef6d733e12f6ba94d2275cd9d809dca0d8e6bc7dc170e8264ec1f95fe0318ce9ff9de3fcb8e7ec65235c3b6fe11f9d72f173073c129e36d17f8ba08585b0413629da7172fdf39dc02006c6ac6f9c3b8f450d4bad57d4b7fc0be2b138cff64279ee41fe8cd42cbf4beea8d044f5d842e3871b42082fba2024b6ad602c0fe179c34b94cf6c277b1ce2cb04108a064bf7386e5345a4b864411b30a3816ad5639d5844fd13cd51a6e590150611e320962d0b7368f12b27252c51a995bfb54a6f03195a3db92f554e78bf95a838ce665e91519567e932bd3a8";

const MANIFEST_VALUE: FileManifest = {
  kind: "file",
  path: "Documents/notes.txt",
  size: PLAIN.length,
  mtimeMs: 1_700_000_000_000,
  mode: 0o644,
  chunks: [{ id: CHUNK_ID, size: PLAIN.length }],
  contentHash: CONTENT_HASH,
};

describe("known answers (format v1)", () => {
  it("derives the chunker gear seed from the master key", async () => {
    expect(toHex((await katKeys()).chunkerGearSeed)).toBe(GEAR_SEED);
  });

  it("encrypts a chunk to fixed bytes and back", async () => {
    const keys = await katKeys();
    const encrypted = await encryptChunk(keys, PLAIN, KAT_NONCE);
    expect(encrypted.id).toBe(CHUNK_ID);
    expect(toHex(encrypted.data)).toBe(CHUNK);
    expect(await decryptChunk(keys, CHUNK_ID, fromHex(CHUNK))).toEqual(PLAIN);
  });

  it("gives fixed path ids, including the root's", async () => {
    const keys = await katKeys();
    expect(await pathId(keys, "Documents/notes.txt")).toBe(PATH_ID);
    expect(await pathId(keys, "")).toBe(ROOT_ID);
    expect(await pathId(keys, "Documents")).toBe(DIR_ID);
  });

  it("encrypts a name to fixed bytes and back", async () => {
    const keys = await katKeys();
    expect(encryptName(keys, DIR_ID, "notes.txt")).toBe(NAME);
    expect(decryptName(keys, DIR_ID, NAME)).toBe("notes.txt");
  });

  it("encrypts a manifest to fixed bytes and back", async () => {
    const keys = await katKeys();
    expect(await contentHash(keys, PLAIN.length, MANIFEST_VALUE.chunks)).toBe(CONTENT_HASH);
    const blob = await encryptManifest(keys, MANIFEST_VALUE, { pathId: PATH_ID, version: 3 }, KAT_NONCE);
    expect(toHex(blob)).toBe(MANIFEST);
    expect(await decryptManifest(keys, fromHex(MANIFEST), { pathId: PATH_ID, version: 3 })).toEqual(MANIFEST_VALUE);
  });

  it("formats and parses a fixed recovery key", async () => {
    expect(await formatRecoveryKey(RECOVERY_SECRET)).toBe(RECOVERY_TEXT);
    expect(await parseRecoveryKey(RECOVERY_TEXT)).toEqual(RECOVERY_SECRET);
  });

  it("opens a fixed key file with the password and with the recovery key", async () => {
    const file = fromHex(KEY_FILE);
    expect(await unwrapWithPassword(file, "correct horse battery staple")).toEqual(KAT_MASTER_KEY);
    expect(await unwrapWithRecoveryKey(file, await parseRecoveryKey(RECOVERY_TEXT))).toEqual(KAT_MASTER_KEY);
  });
});

describe("in-place chunk encryption", () => {
  it("gives the same bytes as encryptChunk for the same nonce", async () => {
    const keys = await katKeys();
    const buffer = new Uint8Array(CHUNK_HEADER_BYTES + PLAIN.length + 16 + 7);
    buffer.set(PLAIN, CHUNK_HEADER_BYTES);
    const sealed = await encryptChunkInPlace(keys, buffer, PLAIN.length, KAT_NONCE);
    expect(sealed.id).toBe(CHUNK_ID);
    expect(toHex(sealed.data)).toBe(CHUNK);
  });

  it("matches encryptChunk on a multi-slice chunk and decrypts", async () => {
    const keys = await katKeys();
    const plain = new Uint8Array(1_000_003).map((_, i) => (i * 31) & 0xff);
    const buffer = new Uint8Array(plain.length + CHUNK_OVERHEAD);
    buffer.set(plain, CHUNK_HEADER_BYTES);
    const sealed = await encryptChunkInPlace(keys, buffer, plain.length, KAT_NONCE);
    const reference = await encryptChunk(keys, plain, KAT_NONCE);
    expect(Buffer.compare(sealed.data, reference.data)).toBe(0);
    expect(Buffer.compare(await decryptChunk(keys, sealed.id, sealed.data), plain)).toBe(0);
  });

  it("refuses a buffer too small for the chunk and its overhead", async () => {
    const keys = await katKeys();
    await expect(encryptChunkInPlace(keys, new Uint8Array(100), 50)).rejects.toThrow(/too small/);
  });
});
