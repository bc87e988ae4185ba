// Whole-tree checks (DESIGN §2 rules 5 and 8): genuine records from
// different moments must not combine into a cycle, an orphan, a child of a
// file or of a deletion, or two equal names in a folder (across epochs too).
import { describe, expect, it } from "vitest";
import { fromHex } from "../../lib/crypto/bytes.ts";
import { IntegrityError } from "../../lib/crypto/errors.ts";
import { Keyring } from "../../lib/crypto/keyring.ts";
import { newNodeId, ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { openNodeRecord, sealNodeRecord } from "../../lib/crypto/node-record.ts";
import { checkTree, type TreeNode } from "../../lib/crypto/tree.ts";
import { dirManifest, KAT_EPOCH_SECRET, KAT_VAULT_ID } from "./fixtures.ts";

function node(nodeId: string, parentId: string, name: string, kind: TreeNode["manifest"]["kind"] = "dir"): TreeNode {
  return { nodeId, parentId, name, manifest: { kind } };
}

describe("checkTree", () => {
  const [a, b, c, f] = [newNodeId(), newNodeId(), newNodeId(), newNodeId()];

  it("accepts a tree whose every node reaches the root through live folders", () => {
    expect(() => checkTree([])).not.toThrow();
    expect(() =>
      checkTree([node(a, ROOT_NODE_ID, "A"), node(b, a, "B"), node(c, b, "C"), node(f, c, "x.txt", "file"), node(newNodeId(), b, "C", "deleted")]),
    ).not.toThrow();
    // The same name in two different folders is fine.
    expect(() => checkTree([node(a, ROOT_NODE_ID, "A"), node(b, a, "A"), node(c, b, "A")])).not.toThrow();
  });

  it("refuses a cycle of genuine records from different moments", () => {
    // a under b (a's newest move) and b under a (b's record from before): each alone is genuine.
    expect(() => checkTree([node(a, b, "A"), node(b, a, "B")])).toThrow(/among its own ancestors/);
    expect(() => checkTree([node(c, ROOT_NODE_ID, "C"), node(a, c, "A"), node(b, f, "B"), node(f, b, "F")])).toThrow(IntegrityError);
  });

  it("refuses a parent that is missing, a file or deleted", () => {
    expect(() => checkTree([node(a, b, "A")])).toThrow(/parent .* is not in the tree/);
    expect(() => checkTree([node(f, ROOT_NODE_ID, "x.txt", "file"), node(a, f, "A")])).toThrow(/is a file/);
    expect(() => checkTree([node(b, ROOT_NODE_ID, "B", "deleted"), node(a, b, "A")])).toThrow(/is deleted/);
  });

  it("refuses a node listed twice and two equal names in one folder, never echoing a name", () => {
    expect(() => checkTree([node(a, ROOT_NODE_ID, "A"), node(a, ROOT_NODE_ID, "A2")])).toThrow(/listed twice/);
    let error: unknown;
    try {
      checkTree([node(a, ROOT_NODE_ID, "secret-name"), node(b, ROOT_NODE_ID, "secret-name", "file")]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/same name/);
    expect((error as Error).message).not.toContain("secret-name");
  });

  it("refuses the same name written under two epochs in one folder, which the server cannot see", async () => {
    const ring = await Keyring.fromSecrets(KAT_VAULT_ID, new Map([[1, KAT_EPOCH_SECRET], [2, fromHex("42".repeat(32))]]));
    const folder = await sealNodeRecord(ring.epoch(1), { nodeId: a, version: 1 }, dirManifest({ name: "Docs" }));
    const old = await sealNodeRecord(ring.epoch(1), { nodeId: b, version: 1 }, dirManifest({ name: "r", parentId: a }));
    const fresh = await sealNodeRecord(ring.epoch(2), { nodeId: c, version: 1 }, dirManifest({ name: "r", parentId: a }));
    expect(fresh.encName).not.toBe(old.encName); // the server's uniqueness check passes
    const opened = await Promise.all([folder, old, fresh].map((r) => openNodeRecord(ring, r, null)));
    expect(() => checkTree(opened)).toThrow(/same name/);
    expect(() => checkTree(opened.slice(0, 2))).not.toThrow();
  });
});
