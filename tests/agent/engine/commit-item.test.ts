import { describe, expect, it } from "vitest";
import { newOpId, prepareCommit } from "../../../lib/agent/engine/commit-item.ts";
import { contentHash, IntegrityError, Keyring, newNodeId, openNodeRecord, randomBytes, ROOT_NODE_ID, toHex, type ManifestChunk } from "../../../lib/crypto/mod.ts";
import type { Content } from "../../../lib/agent/tree/nodes.ts";

async function vaultKeyring(): Promise<Keyring> {
  return Keyring.fromSecrets(toHex(randomBytes(16)), new Map([[1, randomBytes(32)]]));
}

async function fileContent(keyring: Keyring): Promise<Content> {
  const chunks: ManifestChunk[] = [
    { id: toHex(randomBytes(32)), size: 65_536 },
    { id: toHex(randomBytes(32)), size: 100 },
  ];
  return { size: 65_636, mtimeMs: 1_700_000_000_500, mode: 0o100640, chunks, contentHash: await contentHash(keyring.current, 65_636, chunks) };
}

const BASE = { baseVersion: 0, baseHash: "", machineId: "machine-1", sendChunks: false };

describe("prepareCommit (A5, A6)", () => {
  it("seals a file that opens to the same name, parent and content", async () => {
    const keyring = await vaultKeyring();
    const content = await fileContent(keyring);
    const nodeId = newNodeId();
    const folder = newNodeId();
    const { item, node } = await prepareCommit(keyring.current, { ...BASE, nodeId, kind: "file", placement: { parentId: folder, name: "résumé.pdf" }, content, sendChunks: true });
    expect(item).toMatchObject({ nodeId, parentId: folder, baseVersion: 0, kind: "file", chunks: content.chunks.map((c) => c.id) });
    expect(item.opId).toMatch(/^[0-9a-f]{32}$/);
    // No plaintext name in what is sent.
    expect(JSON.stringify(item)).not.toContain("résumé");
    const opened = await openNodeRecord(keyring, { nodeId, parentId: item.parentId, encName: item.encName, version: 1, manifest: item.manifest }, null);
    expect(opened).toMatchObject({ nodeId, parentId: folder, name: "résumé.pdf", version: 1, hash: node.hash, previous: "" });
    expect(opened.manifest).toEqual({
      kind: "file",
      name: "résumé.pdf",
      parentId: folder,
      size: content.size,
      mtimeMs: content.mtimeMs,
      mode: 0o640,
      chunks: content.chunks,
      contentHash: content.contentHash,
      previous: "",
      machineId: "machine-1",
    });
    expect(node).toEqual({ nodeId, parentId: folder, name: "résumé.pdf", kind: "file", version: 1, hash: opened.hash, content: { ...content, mode: 0o640 } });
  });

  it("omits the chunk list unless asked to send it", async () => {
    const keyring = await vaultKeyring();
    const { item } = await prepareCommit(keyring.current, { ...BASE, nodeId: newNodeId(), kind: "file", placement: { parentId: ROOT_NODE_ID, name: "a" }, content: await fileContent(keyring) });
    expect(item.chunks).toBeUndefined();
    expect("chunks" in item).toBe(false);
  });

  it("chains a new version on its base: version + 1, previous = the base's hash", async () => {
    const keyring = await vaultKeyring();
    const nodeId = newNodeId();
    const content = await fileContent(keyring);
    const v1 = await prepareCommit(keyring.current, { ...BASE, nodeId, kind: "file", placement: { parentId: ROOT_NODE_ID, name: "a.txt" }, content });
    const v2 = await prepareCommit(keyring.current, { ...BASE, nodeId, kind: "file", placement: { parentId: ROOT_NODE_ID, name: "b.txt" }, content, baseVersion: 1, baseHash: v1.node.hash });
    expect(v2.item.baseVersion).toBe(1);
    expect(v2.node.version).toBe(2);
    expect(v2.item.opId).not.toBe(v1.item.opId);
    const opened = await openNodeRecord(keyring, { nodeId, parentId: ROOT_NODE_ID, encName: v2.item.encName, version: 2, manifest: v2.item.manifest }, null);
    expect(opened).toMatchObject({ name: "b.txt", previous: v1.node.hash, hash: v2.node.hash });
  });

  it("seals a folder with no content, whatever content it is given", async () => {
    const keyring = await vaultKeyring();
    const nodeId = newNodeId();
    const { item, node } = await prepareCommit(keyring.current, { ...BASE, nodeId, kind: "dir", placement: { parentId: ROOT_NODE_ID, name: "photos" }, content: { ...(await fileContent(keyring)), mode: 0o40750 }, sendChunks: true });
    expect(item.kind).toBe("dir");
    expect(item.chunks).toBeUndefined();
    const opened = await openNodeRecord(keyring, { nodeId, parentId: ROOT_NODE_ID, encName: item.encName, version: 1, manifest: item.manifest }, null);
    expect(opened.manifest).toMatchObject({ kind: "dir", name: "photos", size: 0, mtimeMs: 0, mode: 0o750, chunks: [], contentHash: "" });
    expect(node.content).toEqual({ size: 0, mtimeMs: 0, mode: 0o750, chunks: [], contentHash: "" });
  });

  it("makes a deletion a delete item whose manifest keeps the name and parent", async () => {
    const keyring = await vaultKeyring();
    const nodeId = newNodeId();
    const folder = newNodeId();
    const baseHash = "ab".repeat(32);
    const { item, node } = await prepareCommit(keyring.current, {
      ...BASE,
      nodeId,
      kind: "deleted",
      placement: { parentId: folder, name: "old.txt" },
      content: await fileContent(keyring),
      baseVersion: 4,
      baseHash,
      sendChunks: true,
    });
    expect(item).toMatchObject({ kind: "delete", nodeId, parentId: folder, baseVersion: 4 });
    expect(item.chunks).toBeUndefined();
    const opened = await openNodeRecord(keyring, { nodeId, parentId: folder, encName: item.encName, version: 5, manifest: item.manifest }, null);
    expect(opened.manifest).toMatchObject({ kind: "deleted", name: "old.txt", parentId: folder, size: 0, mode: 0, chunks: [], contentHash: "", previous: baseHash });
    expect(node).toMatchObject({ kind: "deleted", version: 5, hash: opened.hash });
  });

  it("binds the record to its node, version and folder", async () => {
    const keyring = await vaultKeyring();
    const nodeId = newNodeId();
    const { item } = await prepareCommit(keyring.current, { ...BASE, nodeId, kind: "file", placement: { parentId: ROOT_NODE_ID, name: "a.txt" }, content: await fileContent(keyring) });
    const record = { nodeId, parentId: ROOT_NODE_ID, encName: item.encName, version: 1, manifest: item.manifest };
    await expect(openNodeRecord(keyring, { ...record, version: 2 }, null)).rejects.toBeInstanceOf(IntegrityError);
    await expect(openNodeRecord(keyring, { ...record, nodeId: newNodeId() }, null)).rejects.toBeInstanceOf(IntegrityError);
    await expect(openNodeRecord(keyring, { ...record, parentId: newNodeId() }, null)).rejects.toBeInstanceOf(IntegrityError);
    await expect(openNodeRecord(await vaultKeyring(), record, null)).rejects.toThrow();
  });

  it("newOpId gives fresh 32-hex ids", () => {
    const ids = new Set(Array.from({ length: 100 }, () => newOpId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
