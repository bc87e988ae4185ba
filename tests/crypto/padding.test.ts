// Length hiding (DESIGN §2 rule 5): chunks, manifests and names are padded
// inside the ciphertext; stored sizes fall into Padmé buckets with at most
// 12 % overhead plus the fixed header, and no chunk or manifest below 1 KiB.
import { describe, expect, it } from "vitest";
import { chunkBytes } from "../../lib/chunking/chunk-bytes.ts";
import { createGearTable } from "../../lib/chunking/gear.ts";
import { CHUNK_FIXED_OVERHEAD, decryptChunk, encryptChunk, encryptedChunkLength } from "../../lib/crypto/chunk.ts";
import { encryptManifest, MANIFEST_FIXED_OVERHEAD, maxEncryptedManifestChars } from "../../lib/crypto/manifest.ts";
import { newNodeId } from "../../lib/crypto/node-id.ts";
import { CHUNK_PAD_FLOOR, MANIFEST_PAD_FLOOR, pad, padme, paddedChunkLength, unpad } from "../../lib/crypto/padding.ts";
import { fileManifest, katKeyring } from "./fixtures.ts";

function pseudoRandom(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("Padmé", () => {
  it("gives the published buckets", () => {
    expect([1, 2, 3, 9, 10, 11, 1000, 3073, 1048577].map(padme)).toEqual([1, 2, 3, 10, 10, 12, 1024, 3200, 1081344]);
    expect(padme(8 * 2 ** 20 + 1)).toBe(8 * 2 ** 20 + 2 ** 18);
  });

  it("is idempotent, monotonic and costs at most 12 % (6.25 % from 256 bytes)", () => {
    let previous = 0;
    for (let length = 1; length < 200_000; length += length < 5000 ? 1 : 97) {
      const padded = padme(length);
      expect(padded).toBeGreaterThanOrEqual(length);
      expect(padded).toBeGreaterThanOrEqual(previous);
      expect(padme(padded)).toBe(padded);
      expect((padded - length) / length).toBeLessThan(length >= 256 ? 0.0625 : 0.12);
      previous = padded;
    }
  });

  it("pads unambiguously and refuses non-canonical padding", () => {
    const data = Uint8Array.of(1, 2, 0, 0x80, 0);
    const padded = pad(data, paddedChunkLength(data.length));
    expect(unpad(padded, paddedChunkLength)).toEqual(data);
    expect(unpad(new Uint8Array(8), paddedChunkLength)).toBeUndefined();
    const extra = new Uint8Array(padded.length + 2);
    extra.set(padded);
    expect(unpad(extra, paddedChunkLength)).toBeUndefined();
  });
});

describe("stored sizes of whole files (default K1 chunk sizes)", () => {
  // Exact stored totals (docs/security.md §3 quotes them): chunks, bytes stored, bytes over the plaintext (fixed header excluded).
  it.each([
    ["10 B", 10, 1, 1089],
    ["100 B", 100, 1, 1089],
    ["1000 B", 1000, 1, 1089],
    ["3 KB", 3000, 1, 3137],
    ["1 MiB + 1 byte", 2 ** 20 + 1, 1, 1_081_409],
    ["10 MiB", 10 * 2 ** 20, 3, 10_535_107],
  ])("%s: one stored size per bucket, the 1 KiB floor below it, Padmé above", async (_label, size, chunkCount, total) => {
    const ring = await katKeyring();
    const keys = ring.current;
    const table = await createGearTable(keys.chunkerGearSeed);
    const data = pseudoRandom(size, size);
    const pieces = chunkBytes(data, { table });
    let stored = 0;
    for (const piece of pieces) {
      const chunk = await encryptChunk(keys, piece.slice());
      const body = chunk.data.length - CHUNK_FIXED_OVERHEAD;
      expect(chunk.data.length).toBe(encryptedChunkLength(piece.length));
      expect(body).toBe(paddedChunkLength(piece.length));
      if (piece.length < CHUNK_PAD_FLOOR) expect(body).toBe(CHUNK_PAD_FLOOR); // every tiny chunk looks alike
      else {
        expect(body).toBe(padme(piece.length + 1));
        expect((body - piece.length) / piece.length).toBeLessThanOrEqual(0.12);
      }
      expect(Buffer.compare(await decryptChunk(ring, chunk.id, chunk.data), piece)).toBe(0);
      stored += chunk.data.length;
    }
    expect(pieces.length).toBe(chunkCount);
    expect(stored).toBe(total);
    if (size >= CHUNK_PAD_FLOOR) expect((stored - pieces.length * CHUNK_FIXED_OVERHEAD - size) / size).toBeLessThanOrEqual(0.12);
    else expect(stored - CHUNK_FIXED_OVERHEAD - size).toBeLessThanOrEqual(CHUNK_PAD_FLOOR); // cost ≤ 1 KiB per tiny file
  });

  it("gives every file up to 1 KiB − 1 one stored size, and no floor above it", () => {
    const sizes = new Set([0, 1, 10, 100, 1000, CHUNK_PAD_FLOOR - 1].map(encryptedChunkLength));
    expect([...sizes]).toEqual([CHUNK_FIXED_OVERHEAD + CHUNK_PAD_FLOOR]);
    expect(paddedChunkLength(CHUNK_PAD_FLOOR)).toBe(padme(CHUNK_PAD_FLOOR + 1));
    expect(paddedChunkLength(CHUNK_PAD_FLOOR)).toBeGreaterThan(CHUNK_PAD_FLOOR);
  });

  it("pads manifests to at least 1 KiB, so a name's length does not show, and stays within the server's bound", async () => {
    const ring = await katKeyring();
    const sizes = new Set<number>();
    for (const name of ["a", "a".repeat(100), "a".repeat(255)]) {
      const blob = await encryptManifest(ring.current, await fileManifest(ring, { name }), { nodeId: newNodeId(), version: 1 });
      sizes.add(blob.length);
      expect(Math.ceil((blob.length * 4) / 3)).toBeLessThanOrEqual(maxEncryptedManifestChars(0));
    }
    expect([...sizes]).toEqual([MANIFEST_FIXED_OVERHEAD + MANIFEST_PAD_FLOOR]);
  });
});

describe("bounds the server can enforce", () => {
  it.each([0, 1, 3, 50])("a worst-case manifest with %i chunks fits maxEncryptedManifestChars", async (count) => {
    const ring = await katKeyring();
    const chunks = Array.from({ length: count }, (_, i) => ({ id: i.toString(16).padStart(64, "f"), size: 2 ** 30 }));
    const worst = await fileManifest(ring, {
      name: "\u0001".repeat(255),
      chunks,
      mtimeMs: -1.2345678901234567e-308,
      mode: 0o7777,
      previous: "f".repeat(64),
      machineId: "m".repeat(64),
    });
    const blob = await encryptManifest(ring.current, worst, { nodeId: newNodeId(), version: 2 });
    const chars = Buffer.from(blob).toString("base64url").length;
    expect(chars).toBeLessThanOrEqual(maxEncryptedManifestChars(count));
    expect(chars).toBeGreaterThan(maxEncryptedManifestChars(count) * 0.9);
  });
});
