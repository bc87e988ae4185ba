// Manifests are validated strictly per kind, on writing and on reading; a
// genuine manifest with invalid content is refused like a forged one, with
// one message and no name in it (review findings, C6).
import { describe, expect, it } from "vitest";
import { utf8 } from "../../lib/crypto/bytes.ts";
import { encryptChunk } from "../../lib/crypto/chunk.ts";
import { IntegrityError } from "../../lib/crypto/errors.ts";
import { decryptManifest, encryptManifest, sealManifestBytes, type NodeManifest } from "../../lib/crypto/manifest.ts";
import { manifestProblem } from "../../lib/crypto/manifest-validate.ts";
import { newNodeId, ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { dirManifest, fileManifest, katKeyring, rejection } from "./fixtures.ts";

const FAILURE = "Cannot decrypt manifest: it was altered or does not belong here";

async function cases(): Promise<[string, Record<string, unknown>, number][]> {
  const ring = await katKeyring();
  const chunk = await encryptChunk(ring.current, utf8("content"));
  const file = await fileManifest(ring, { chunks: [{ id: chunk.id, size: chunk.size }] });
  const dir = dirManifest();
  const deleted: NodeManifest = { ...dir, kind: "deleted", mode: 0 };
  return [
    ["a folder with chunks", { ...dir, chunks: file.chunks }, 1],
    ["a folder with a size", { ...dir, size: 5 }, 1],
    ["a folder with a content hash", { ...dir, contentHash: file.contentHash }, 1],
    ["a mode above 0o7777", { ...file, mode: 0o10000 }, 1],
    ["a negative mode", { ...file, mode: -1 }, 1],
    ["a fractional mode", { ...file, mode: 1.5 }, 1],
    ["a deletion with a size", { ...deleted, size: 7 }, 1],
    ["a deletion with chunks", { ...deleted, chunks: file.chunks, size: chunk.size }, 1],
    ["a file whose chunks do not add up", { ...file, size: file.size + 1 }, 1],
    ["a file without a content hash", { ...file, contentHash: "" }, 1],
    ["a file with another content hash", { ...file, contentHash: "ab".repeat(32) }, 1],
    ["an empty parent id", { ...file, parentId: "" }, 1],
    ["a parent id that is the node itself", { ...file, parentId: "SELF" }, 1],
    ["a non-finite mtime (null in JSON)", { ...file, mtimeMs: null }, 1],
    ["an invalid name", { ...file, name: "secret/plan" }, 1],
    ["a name not in NFC", { ...file, name: "cafe\u0301" }, 1],
    ["an unknown field", { ...file, extra: 1 }, 1],
    ["a missing field", { ...file, machineId: undefined }, 1],
    ["version 1 naming a previous version", { ...file, previous: "cd".repeat(32) }, 1],
    ["version 2 naming no previous version", { ...file }, 2],
    ["an unknown kind", { ...file, kind: "symlink" }, 1],
    ["a zero-size chunk", { ...file, chunks: [{ id: chunk.id, size: 0 }], size: 0 }, 1],
  ];
}

describe("manifest validation", () => {
  it("accepts the three valid kinds, an empty file included", async () => {
    const ring = await katKeyring();
    const nodeId = newNodeId();
    for (const m of [await fileManifest(ring), dirManifest(), { ...dirManifest(), kind: "deleted" as const }]) {
      const blob = await encryptManifest(ring.current, m, { nodeId, version: 1 });
      expect(await decryptManifest(ring, blob, { nodeId, version: 1 })).toEqual(m);
    }
  });

  it("refuses, on writing and on reading, every invalid case with one message and no name", async () => {
    const ring = await katKeyring();
    for (const [label, value, version] of await cases()) {
      const nodeId = newNodeId();
      const m = value.parentId === "SELF" ? { ...value, parentId: nodeId } : value;
      const binding = { nodeId, version };
      if (label !== "a file with another content hash") expect(manifestProblem(m, binding), label).toBeDefined();
      if (label !== "a name not in NFC") {
        // (The writer normalises names to NFC itself; a reader refuses a non-NFC one.)
        const onWrite = await rejection(encryptManifest(ring.current, m as unknown as NodeManifest, binding));
        expect(onWrite, label).toBeInstanceOf(RangeError);
        expect((onWrite as Error).message, label).not.toMatch(/secret|plan|cafe/);
      }
      const genuine = await sealManifestBytes(ring.current, utf8(JSON.stringify(m)), binding);
      const onRead = await rejection(decryptManifest(ring, genuine, binding));
      expect(onRead, label).toBeInstanceOf(IntegrityError);
      expect((onRead as Error).message, label).toBe(FAILURE);
    }
  });

  it("refuses the root as a manifest's node and a version below 1", async () => {
    const ring = await katKeyring();
    await expect(encryptManifest(ring.current, dirManifest(), { nodeId: ROOT_NODE_ID, version: 1 })).rejects.toThrow(RangeError);
    await expect(encryptManifest(ring.current, dirManifest(), { nodeId: newNodeId(), version: 0 })).rejects.toThrow(RangeError);
  });
});
