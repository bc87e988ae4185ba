// Node records: a name bound to its parent, a manifest bound to its node and
// version that repeats name and parent; swaps, moves and re-attachments fail
// (DESIGN §2 rules 4 and 5, C6).
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../lib/crypto/bytes.ts";
import { IntegrityError, UnknownEpochError, UnsupportedVersionError } from "../../lib/crypto/errors.ts";
import { HistoryGuard } from "../../lib/crypto/history.ts";
import * as cryptoApi from "../../lib/crypto/mod.ts";
import { newNodeId, ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { openNodeRecord, RECORD_FAILURE, sealNodeRecord, type NodeRecord } from "../../lib/crypto/node-record.ts";
import { dirManifest, fileManifest, katKeyring, rejection } from "./fixtures.ts";

async function folderWithTwoFiles() {
  const ring = await katKeyring();
  const folder = newNodeId();
  const a = await sealNodeRecord(ring.current, { nodeId: newNodeId(), version: 1 }, await fileManifest(ring, { name: "a.txt", parentId: folder }));
  const b = await sealNodeRecord(ring.current, { nodeId: newNodeId(), version: 1 }, await fileManifest(ring, { name: "b.txt", parentId: folder }));
  return { ring, folder, a, b };
}

describe("node records", () => {
  it("open to the name, parent and manifest they were sealed with, from bytes or base64url", async () => {
    const { ring, folder, a } = await folderWithTwoFiles();
    const opened = await openNodeRecord(ring, a, null);
    expect(opened.name).toBe("a.txt");
    expect(opened.parentId).toBe(folder);
    expect(opened.manifest.name).toBe("a.txt");
    expect(opened.hash).toBe(a.hash);
    expect((await openNodeRecord(ring, { ...a, manifest: toBase64Url(a.manifest) }, null)).name).toBe("a.txt");
  });

  it("refuse two encrypted names swapped inside one folder", async () => {
    const { ring, a, b } = await folderWithTwoFiles();
    const swappedA: NodeRecord = { ...a, encName: b.encName };
    const swappedB: NodeRecord = { ...b, encName: a.encName };
    for (const record of [swappedA, swappedB]) {
      const error = await rejection(openNodeRecord(ring, record, null));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as Error).message).toBe(RECORD_FAILURE);
    }
  });

  it("refuse a record moved under another folder, with its own name or with a name valid there", async () => {
    const { ring, a } = await folderWithTwoFiles();
    const elsewhere = newNodeId();
    const c = await sealNodeRecord(ring.current, { nodeId: newNodeId(), version: 1 }, await fileManifest(ring, { name: "a.txt", parentId: elsewhere }));
    expect(await rejection(openNodeRecord(ring, { ...a, parentId: elsewhere }, null))).toBeInstanceOf(IntegrityError);
    expect(await rejection(openNodeRecord(ring, { ...a, parentId: elsewhere, encName: c.encName }, null))).toBeInstanceOf(IntegrityError);
  });

  it("refuse a manifest attached to another node or version", async () => {
    const { ring, a, b } = await folderWithTwoFiles();
    expect(await rejection(openNodeRecord(ring, { ...a, manifest: b.manifest }, null))).toBeInstanceOf(IntegrityError);
    expect(await rejection(openNodeRecord(ring, { ...a, nodeId: b.nodeId }, null))).toBeInstanceOf(IntegrityError);
    expect(await rejection(openNodeRecord(ring, { ...a, version: 2 }, null))).toBeInstanceOf(IntegrityError);
  });

  it("refuse an empty parent id, a node that is its own parent and a record for the root", async () => {
    const { ring, a } = await folderWithTwoFiles();
    for (const record of [{ ...a, parentId: "" }, { ...a, parentId: a.nodeId }, { ...a, nodeId: ROOT_NODE_ID }]) {
      const error = await rejection(openNodeRecord(ring, record, null));
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as Error).message).toBe(RECORD_FAILURE);
    }
    await expect(sealNodeRecord(ring.current, { nodeId: ROOT_NODE_ID, version: 1 }, dirManifest())).rejects.toThrow(RangeError);
  });

  it("keep a folder's children unique at the server: the same name in the same folder gives the same encrypted name", async () => {
    const { ring, folder, a } = await folderWithTwoFiles();
    const again = await sealNodeRecord(ring.current, { nodeId: newNodeId(), version: 1 }, await fileManifest(ring, { name: "a.txt", parentId: folder }));
    expect(again.encName).toBe(a.encName);
    expect(again.nodeId).not.toBe(a.nodeId);
  });

  it("take the history guard as a required argument, and the module exports no raw name or manifest decryption", async () => {
    const { ring, a } = await folderWithTwoFiles();
    // @ts-expect-error the guard is required: null opts out explicitly
    expect(await rejection(openNodeRecord(ring, a))).toBeInstanceOf(TypeError);
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, a, guard));
    expect(guard.seen(a.nodeId)).toEqual({ version: 1, hash: a.hash });
    expect(Object.keys(cryptoApi)).toContain("openNodeRecord");
    expect(Object.keys(cryptoApi)).not.toContain("decryptManifest");
    expect(Object.keys(cryptoApi)).not.toContain("decryptName");
  });

  it("give one message for every failure of a record: ids, name, manifest, mismatch, encoding", async () => {
    const { ring, a, b } = await folderWithTwoFiles();
    const name = Buffer.from(a.encName, "base64url");
    name[name.length - 1]! ^= 1;
    const manifest = new Uint8Array(a.manifest);
    manifest[manifest.length - 1]! ^= 1;
    const broken: NodeRecord[] = [
      { ...a, parentId: "" }, // bad placement
      { ...a, encName: name.toString("base64url") }, // altered name
      { ...a, encName: "not base64url!" },
      { ...a, manifest }, // altered manifest
      { ...a, manifest: "%%%" },
      { ...a, manifest: b.manifest }, // another node's manifest
      { ...a, encName: b.encName }, // name does not match the manifest
      { ...a, version: 2 },
    ];
    const messages = new Set<string>();
    for (const record of broken) {
      const error = await rejection(openNodeRecord(ring, record, null));
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error).not.toBeInstanceOf(UnsupportedVersionError);
      messages.add((error as Error).message);
    }
    expect([...messages]).toEqual([RECORD_FAILURE]);
    // Public header facts that say what to do still come through: an unknown format, an epoch this keyring lacks.
    const future = new Uint8Array(a.manifest);
    future[0] = 9;
    expect(await rejection(openNodeRecord(ring, { ...a, manifest: future }, null))).toBeInstanceOf(UnsupportedVersionError);
    const later = new Uint8Array(a.manifest);
    later[4] = 2;
    expect(await rejection(openNodeRecord(ring, { ...a, manifest: later }, null))).toBeInstanceOf(UnknownEpochError);
  });
});
