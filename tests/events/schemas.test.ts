/**
 * The event schemas are as strict as the code that records them (E1):
 * a stored payload the commands could never have written is refused.
 */
import { describe, expect, it } from "vitest";
import { authEventSchemas } from "../../lib/events/schemas/auth.ts";
import { fileVersionCommittedV1 } from "../../lib/events/schemas/file-version-committed.ts";

const node = "a".repeat(32);
const base = {
  nodeId: node,
  parentId: "0".repeat(32),
  version: 1,
  kind: "file",
  encName: "bmFtZQ",
  manifest: "bWFuaWZlc3Q",
  chunks: ["b".repeat(64)],
  size: 10,
  machineId: "m1",
  opId: "op_0123456789abcdef",
  origin: { type: "commit" },
};

describe("FileVersionCommitted v1 (E1)", () => {
  it("accepts what a commit records", () => {
    expect(fileVersionCommittedV1.safeParse(base).success).toBe(true);
    expect(fileVersionCommittedV1.safeParse({ ...base, kind: "dir", chunks: [], size: 0 }).success).toBe(true);
  });

  it("refuses the root as node, a node as its own parent, chunks or size on a folder or tombstone, a restored deletion", () => {
    const refused = [
      { ...base, nodeId: "0".repeat(32) },
      { ...base, parentId: node },
      { ...base, kind: "dir" },
      { ...base, kind: "delete", chunks: [], size: 5 },
      { ...base, kind: "delete", chunks: [], size: 0, origin: { type: "trash-restore", deletedVersion: 1, liveVersion: 1, place: "original" } },
    ];
    for (const payload of refused) expect(fileVersionCommittedV1.safeParse(payload).success).toBe(false);
  });
});

describe("auth event schemas (E1)", () => {
  it("are strict and bounded", () => {
    expect(authEventSchemas.AdminCreated.safeParse({ userId: "c".repeat(32), username: "admin" }).success).toBe(true);
    expect(authEventSchemas.AdminCreated.safeParse({ userId: "c".repeat(32), username: "x".repeat(65) }).success).toBe(false);
    expect(authEventSchemas.AdminCreated.safeParse({ userId: "c".repeat(32), username: "admin", password: "no" }).success).toBe(false);
    expect(authEventSchemas.MachineRenamed.safeParse({ machineId: "c".repeat(32), name: "n".repeat(257) }).success).toBe(false);
    expect(authEventSchemas.InvitationRevoked.safeParse({ invitationId: "x".repeat(65) }).success).toBe(false);
  });
});
