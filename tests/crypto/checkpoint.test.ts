// Tree checkpoints (C6, Q1): sealed so that the server can neither read nor
// forge them, bound to vault, machine and place in the machine's chain.
import { describe, expect, it } from "vitest";
import { CHECKPOINT_ENTRY_BYTES, checkpointHash, openCheckpoint, sealCheckpoint, sortEntries, type Checkpoint, type CheckpointEntry } from "../../lib/crypto/checkpoint.ts";
import { IntegrityError } from "../../lib/crypto/errors.ts";
import { newNodeId } from "../../lib/crypto/node-id.ts";
import { flipped, katKeyring, katTwoEpochKeyring, otherVaultKeyring, rejection } from "./fixtures.ts";

const MACHINE = "ab".repeat(16);
const hash = (n: number): string => n.toString(16).padStart(64, "0");

function entries(count: number): CheckpointEntry[] {
  const kinds = ["file", "dir", "delete"] as const;
  return sortEntries(Array.from({ length: count }, (_, i) => ({ nodeId: newNodeId(), parentId: "0".repeat(32), version: i + 1, hash: hash(i + 1), kind: kinds[i % 3]! })));
}

function checkpoint(fields: Partial<Checkpoint> = {}): Checkpoint {
  return { machineId: MACHINE, number: 1, previous: null, cursor: 42, createdAt: 1_700_000_000_000, entries: entries(5), ...fields };
}

describe("tree checkpoints", () => {
  it("open to what was sealed, and chain by the hash of the sealed bytes", async () => {
    const ring = await katKeyring();
    const first = checkpoint();
    const one = await sealCheckpoint(ring.current, first);
    expect(one.sealed.length).toBe(5 + 12 + 32 + 60 + 5 * CHECKPOINT_ENTRY_BYTES + 16);
    expect(one.hash).toBe(await checkpointHash(one.sealed));
    expect(await openCheckpoint(ring, one.sealed, { machineId: MACHINE, number: 1 })).toEqual(first);

    const second = checkpoint({ number: 2, previous: one.hash, cursor: 50, entries: [] });
    const two = await sealCheckpoint(ring.current, second);
    const opened = await openCheckpoint(ring, two.sealed, { machineId: MACHINE, number: 2 });
    expect(opened.previous).toBe(one.hash);
    expect(opened.entries).toEqual([]);
  });

  it("refuse any altered byte, another machine, another number, another vault", async () => {
    const ring = await katKeyring();
    const { sealed } = await sealCheckpoint(ring.current, checkpoint());
    for (const index of [0, 5, 20, 60, sealed.length - 1, Math.floor(sealed.length / 2)]) {
      const error = await rejection(openCheckpoint(ring, flipped(sealed, index), { machineId: MACHINE, number: 1 }));
      expect(error, `byte ${index}`).toBeInstanceOf(Error);
    }
    await expect(openCheckpoint(ring, sealed, { machineId: "cd".repeat(16), number: 1 })).rejects.toBeInstanceOf(IntegrityError);
    await expect(openCheckpoint(ring, sealed, { machineId: MACHINE, number: 2 })).rejects.toBeInstanceOf(IntegrityError);
    await expect(openCheckpoint(ring, sealed, { machineId: "not hex", number: 1 })).rejects.toBeInstanceOf(IntegrityError);
    await expect(openCheckpoint(await otherVaultKeyring(), sealed, { machineId: MACHINE, number: 1 })).rejects.toBeInstanceOf(IntegrityError);
    await expect(openCheckpoint(ring, sealed.subarray(0, 40), { machineId: MACHINE, number: 1 })).rejects.toBeInstanceOf(IntegrityError);
  });

  it("open under the epoch named in the header", async () => {
    const ring = await katTwoEpochKeyring();
    const older = ring.epoch(Math.min(...ring.epochs));
    const { sealed } = await sealCheckpoint(older, checkpoint());
    expect((await openCheckpoint(ring, sealed, { machineId: MACHINE, number: 1 })).entries).toHaveLength(5);
  });

  it("refuse to seal what another machine could not check", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    const sorted = entries(3);
    const cases: [string, Partial<Checkpoint>][] = [
      ["machine id", { machineId: "AB".repeat(16) }],
      ["number", { number: 0 }],
      ["previous", { number: 2, previous: null }],
      ["previous", { number: 1, previous: hash(1) }],
      ["previous", { number: 2, previous: "0".repeat(64) }],
      ["cursor", { cursor: -1 }],
      ["sorted", { entries: [sorted[2]!, sorted[0]!] }],
      ["sorted", { entries: [sorted[0]!, sorted[0]!] }],
      ["node id", { entries: [{ ...sorted[0]!, nodeId: "xyz" }] }],
      ["parent id", { entries: [{ ...sorted[0]!, parentId: "root" }] }],
      ["version", { entries: [{ ...sorted[0]!, version: 0 }] }],
      ["hash", { entries: [{ ...sorted[0]!, hash: "beef" }] }],
      ["kind", { entries: [{ ...sorted[0]!, kind: "link" as CheckpointEntry["kind"] }] }],
    ];
    for (const [what, fields] of cases) {
      await expect(sealCheckpoint(keys, checkpoint(fields)), what).rejects.toBeInstanceOf(RangeError);
    }
  });
});
