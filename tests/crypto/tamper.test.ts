// Tamper tests: a hostile server that flips bytes, swaps chunks between
// files, reorders chunks, moves a manifest to another path or replays an
// older version is detected with an integrity error (C6, DESIGN §2 rules 3, 4, 8).
import { describe, expect, it } from "vitest";
import { concatBytes, utf8 } from "../../lib/crypto/bytes.ts";
import { decryptChunk, encryptChunk } from "../../lib/crypto/chunk.ts";
import { CryptoError, IntegrityError, KdfParametersError, UnsupportedVersionError, WrongPasswordError } from "../../lib/crypto/errors.ts";
import { unwrapWithPassword, unwrapWithRecoveryKey, wrapMasterKey } from "../../lib/crypto/key-file.ts";
import { contentHash, decryptManifest, encryptManifest, type FileManifest } from "../../lib/crypto/manifest.ts";
import { decryptName, encryptName } from "../../lib/crypto/names.ts";
import { pathId } from "../../lib/crypto/paths.ts";
import { assertNotRolledBack } from "../../lib/crypto/rollback.ts";
import { flipped, KAT_MASTER_KEY, katKeys, otherKeys, rejection } from "./fixtures.ts";

const RECOVERY = new Uint8Array(32).fill(9);
const PASSWORD = "tamper test password";

async function manifestFor(path: string, chunks: { id: string; size: number }[]): Promise<FileManifest> {
  const keys = await katKeys();
  const size = chunks.reduce((s, c) => s + c.size, 0);
  return { kind: "file", path, size, mtimeMs: 1, mode: 0o600, chunks, contentHash: await contentHash(keys, size, chunks) };
}

describe("wrapped master key", () => {
  it("rejects every flipped byte of the recovery path with an integrity error", async () => {
    const file = await wrapMasterKey(KAT_MASTER_KEY, PASSWORD, RECOVERY);
    for (let i = 0; i < file.length; i++) {
      const error = await rejection(unwrapWithRecoveryKey(flipped(file, i), RECOVERY));
      if (i === 4) expect(error, `byte ${i}`).toBeInstanceOf(UnsupportedVersionError);
      else if (i < 4) expect(error, `byte ${i}`).toBeInstanceOf(UnsupportedVersionError);
      else expect(error, `byte ${i}`).toBeInstanceOf(IntegrityError);
    }
  });

  it("rejects flipped bytes of the password slot: parameters, salt and sealed key", async () => {
    const file = await wrapMasterKey(KAT_MASTER_KEY, PASSWORD, RECOVERY);
    // Password slot: 6-byte file header, 3-byte slot header, 26 bytes of KDF
    // id/params/salt, then nonce(12) commit(32) key(32) tag(16).
    const slotStart = 9;
    const positions = [
      ...Array.from({ length: 26 }, (_, i) => slotStart + i),
      ...[0, 11, 12, 43, 44, 75, 76, 91].map((i) => slotStart + 26 + i),
    ];
    for (const i of positions) {
      const error = await rejection(unwrapWithPassword(flipped(file, i), PASSWORD));
      expect(error, `byte ${i}`).toBeInstanceOf(CryptoError);
      if (!(error instanceof KdfParametersError || error instanceof UnsupportedVersionError)) {
        expect(error, `byte ${i}`).toBeInstanceOf(IntegrityError);
      }
    }
  });

  it("tells a wrong password apart from a damaged file", async () => {
    const file = await wrapMasterKey(KAT_MASTER_KEY, PASSWORD, RECOVERY);
    const wrong = await rejection(unwrapWithPassword(file, "not the password"));
    expect(wrong).toBeInstanceOf(WrongPasswordError);
    expect((wrong as Error).message).toBe("Wrong password");
    const damaged = await rejection(unwrapWithPassword(flipped(file, 9 + 26 + 50), PASSWORD));
    expect(damaged).toBeInstanceOf(IntegrityError);
    expect(damaged).not.toBeInstanceOf(WrongPasswordError);
  });

  it("refuses parameters weaker than the pinned minimum without deriving", async () => {
    const file = await wrapMasterKey(KAT_MASTER_KEY, PASSWORD, RECOVERY);
    const weak = new Uint8Array(file);
    new DataView(weak.buffer).setUint32(10, 8 * 1024); // memory 8 MiB
    const error = await rejection(unwrapWithPassword(weak, PASSWORD));
    expect(error).toBeInstanceOf(KdfParametersError);
    expect((error as Error).message).toMatch(/below the minimum/);
    const huge = new Uint8Array(file);
    new DataView(huge.buffer).setUint32(14, 1000); // 1000 passes
    expect(await rejection(unwrapWithPassword(huge, PASSWORD))).toBeInstanceOf(KdfParametersError);
  });

  it("refuses truncated and extended files and unknown versions", async () => {
    const file = await wrapMasterKey(KAT_MASTER_KEY, PASSWORD, RECOVERY);
    expect(await rejection(unwrapWithRecoveryKey(file.slice(0, file.length - 1), RECOVERY))).toBeInstanceOf(IntegrityError);
    expect(await rejection(unwrapWithRecoveryKey(concatBytes(file, Uint8Array.of(0)), RECOVERY))).toBeInstanceOf(IntegrityError);
    const v2 = new Uint8Array(file);
    v2[4] = 2;
    const error = await rejection(unwrapWithRecoveryKey(v2, RECOVERY));
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as Error).message).toMatch(/version 2 is not supported/);
  });
});

describe("chunks", () => {
  it("rejects every flipped byte", async () => {
    const keys = await katKeys();
    const chunk = await encryptChunk(keys, utf8("x".repeat(300)));
    for (let i = 0; i < chunk.data.length; i++) {
      const error = await rejection(decryptChunk(keys, chunk.id, flipped(chunk.data, i)));
      expect(error, `byte ${i}`).toBeInstanceOf(i === 0 ? UnsupportedVersionError : IntegrityError);
    }
  });

  it("rejects a chunk served under another chunk's id (swap between files)", async () => {
    const keys = await katKeys();
    const a = await encryptChunk(keys, utf8("chunk of file A"));
    const b = await encryptChunk(keys, utf8("chunk of file B"));
    expect(await rejection(decryptChunk(keys, a.id, b.data))).toBeInstanceOf(IntegrityError);
    expect(await rejection(decryptChunk(keys, b.id, a.data))).toBeInstanceOf(IntegrityError);
  });

  it("rejects truncation, extension and another vault's chunk", async () => {
    const keys = await katKeys();
    const chunk = await encryptChunk(keys, utf8("some content"));
    expect(await rejection(decryptChunk(keys, chunk.id, chunk.data.slice(0, -1)))).toBeInstanceOf(IntegrityError);
    expect(await rejection(decryptChunk(keys, chunk.id, concatBytes(chunk.data, Uint8Array.of(0))))).toBeInstanceOf(IntegrityError);
    expect(await rejection(decryptChunk(keys, chunk.id, chunk.data.slice(0, 20)))).toBeInstanceOf(IntegrityError);
    expect(await rejection(decryptChunk(await otherKeys(), chunk.id, chunk.data))).toBeInstanceOf(IntegrityError);
  });

  it("gives equal ids to equal plaintext (dedup) and different ids across vaults", async () => {
    const keys = await katKeys();
    const one = await encryptChunk(keys, utf8("same"));
    const two = await encryptChunk(keys, utf8("same"));
    expect(one.id).toBe(two.id);
    expect(one.data).not.toEqual(two.data);
    expect((await encryptChunk(await otherKeys(), utf8("same"))).id).not.toBe(one.id);
  });
});

describe("manifests", () => {
  it("rejects every flipped byte", async () => {
    const keys = await katKeys();
    const id = await pathId(keys, "a.txt");
    const blob = await encryptManifest(keys, await manifestFor("a.txt", []), { pathId: id, version: 1 });
    for (let i = 0; i < blob.length; i++) {
      const error = await rejection(decryptManifest(keys, flipped(blob, i), { pathId: id, version: 1 }));
      expect(error, `byte ${i}`).toBeInstanceOf(i === 0 ? UnsupportedVersionError : IntegrityError);
    }
  });

  it("rejects a manifest attached to another path id", async () => {
    const keys = await katKeys();
    const a = await pathId(keys, "a.txt");
    const b = await pathId(keys, "b.txt");
    const blob = await encryptManifest(keys, await manifestFor("a.txt", []), { pathId: a, version: 1 });
    expect(await rejection(decryptManifest(keys, blob, { pathId: b, version: 1 }))).toBeInstanceOf(IntegrityError);
  });

  it("rejects an older version replayed as a newer one, and a rollback", async () => {
    const keys = await katKeys();
    const id = await pathId(keys, "a.txt");
    const v1 = await encryptManifest(keys, await manifestFor("a.txt", []), { pathId: id, version: 1 });
    expect(await rejection(decryptManifest(keys, v1, { pathId: id, version: 2 }))).toBeInstanceOf(IntegrityError);
    // Served honestly as version 1 after version 2 was seen: refused by the rollback check.
    expect(() => assertNotRolledBack("a.txt", 1, 2)).toThrow(IntegrityError);
    expect(() => assertNotRolledBack("a.txt", 2, 2)).not.toThrow();
  });

  it("binds chunk order: a reordered list has another content hash, and the ciphertext cannot be re-sealed", async () => {
    const keys = await katKeys();
    const x = await encryptChunk(keys, utf8("first part"));
    const y = await encryptChunk(keys, utf8("second part"));
    const ordered = [
      { id: x.id, size: x.size },
      { id: y.id, size: y.size },
    ];
    const reordered = [ordered[1]!, ordered[0]!];
    const size = x.size + y.size;
    expect(await contentHash(keys, size, ordered)).not.toBe(await contentHash(keys, size, reordered));
    const id = await pathId(keys, "two.bin");
    const blob = await encryptManifest(keys, await manifestFor("two.bin", ordered), { pathId: id, version: 1 });
    // Swapping two 16-byte blocks of ciphertext (an attempt to reorder entries) fails.
    const start = 1 + 12 + 32;
    const swapped = new Uint8Array(blob);
    swapped.set(blob.subarray(start + 16, start + 32), start);
    swapped.set(blob.subarray(start, start + 16), start + 16);
    expect(await rejection(decryptManifest(keys, swapped, { pathId: id, version: 1 }))).toBeInstanceOf(IntegrityError);
    expect((await decryptManifest(keys, blob, { pathId: id, version: 1 })).chunks).toEqual(ordered);
  });
});

describe("names", () => {
  it("rejects a name moved to another folder, and flipped bytes", async () => {
    const keys = await katKeys();
    const docs = await pathId(keys, "Documents");
    const photos = await pathId(keys, "Photos");
    const name = encryptName(keys, docs, "secret.txt");
    expect(() => decryptName(keys, photos, name)).toThrow(IntegrityError);
    const raw = Buffer.from(name, "base64url");
    for (let i = 1; i < raw.length; i++) {
      expect(() => decryptName(keys, docs, Buffer.from(flipped(raw, i)).toString("base64url"))).toThrow(IntegrityError);
    }
  });
});
