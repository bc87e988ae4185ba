// History chain and rollback detection (DESIGN §2 rules 4 and 8): the guard
// refuses an older version, a second authentic manifest for a version
// already seen, and a version whose `previous` does not name the one seen.
import { describe, expect, it } from "vitest";
import { HistoryGapError, IntegrityError } from "../../lib/crypto/errors.ts";
import { HistoryGuard } from "../../lib/crypto/history.ts";
import { newNodeId } from "../../lib/crypto/node-id.ts";
import { openNodeRecord, sealNodeRecord } from "../../lib/crypto/node-record.ts";
import { fileManifest, katKeyring, rejection } from "./fixtures.ts";

async function chain() {
  const ring = await katKeyring();
  const nodeId = newNodeId();
  const v1 = await sealNodeRecord(ring.current, { nodeId, version: 1 }, await fileManifest(ring, { mtimeMs: 1 }));
  const v2 = await sealNodeRecord(ring.current, { nodeId, version: 2 }, await fileManifest(ring, { mtimeMs: 2, previous: v1.hash, machineId: "laptop" }));
  // A second, genuine version 2 written concurrently by another machine: the conflict loser.
  const loser = await sealNodeRecord(ring.current, { nodeId, version: 2 }, await fileManifest(ring, { mtimeMs: 3, previous: v1.hash, machineId: "desktop" }));
  const v3 = await sealNodeRecord(ring.current, { nodeId, version: 3 }, await fileManifest(ring, { mtimeMs: 4, previous: v2.hash }));
  const forked3 = await sealNodeRecord(ring.current, { nodeId, version: 3 }, await fileManifest(ring, { mtimeMs: 5, previous: loser.hash }));
  const v4 = await sealNodeRecord(ring.current, { nodeId, version: 4 }, await fileManifest(ring, { mtimeMs: 6, previous: v3.hash }));
  // The loser's branch continued: version 4 after the forked version 3.
  const forked4 = await sealNodeRecord(ring.current, { nodeId, version: 4 }, await fileManifest(ring, { mtimeMs: 7, previous: forked3.hash }));
  return { ring, nodeId, v1, v2, loser, v3, forked3, v4, forked4 };
}

describe("history guard", () => {
  it("accepts a chain in order, and the same manifest again", async () => {
    const { ring, v1, v2, v3 } = await chain();
    const guard = new HistoryGuard();
    for (const record of [v1, v2, v2, v3]) guard.accept(await openNodeRecord(ring, record, guard));
    expect(guard.seen(v1.nodeId)).toEqual({ version: 3, hash: v3.hash });
  });

  it("refuses a rollback to a genuine older version", async () => {
    const { ring, v1, v2 } = await chain();
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, v1, null));
    guard.accept(await openNodeRecord(ring, v2, null));
    const error = await rejection(openNodeRecord(ring, v1, guard));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/version 1, older than version 2 already seen/);
  });

  it("refuses a refused conflict loser served as the head: a second genuine manifest for a version already seen", async () => {
    const { ring, v1, v2, loser } = await chain();
    expect((await openNodeRecord(ring, loser, null)).manifest.machineId).toBe("desktop"); // genuine on its own
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, v1, null));
    guard.accept(await openNodeRecord(ring, v2, null));
    const error = await rejection(openNodeRecord(ring, loser, guard));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/second, different manifest for version 2/);
  });

  it("refuses a version N+1 whose previous is not the version N seen (a fork)", async () => {
    const { ring, v1, v2, forked3 } = await chain();
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, v1, null));
    guard.accept(await openNodeRecord(ring, v2, null));
    const error = await rejection(openNodeRecord(ring, forked3, guard));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/version 3 does not follow the version 2 already seen/);
    expect(() => guard.accept({ ...v1, version: 2, previous: v1.hash })).toThrow(IntegrityError);
  });

  it("refuses a gap: seen version 2 (the winner), offered version 4 of the loser's branch, alone or with its chain", async () => {
    const { ring, v1, v2, forked3, forked4 } = await chain();
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, v1, guard));
    guard.accept(await openNodeRecord(ring, v2, guard));
    const before = guard.toJSON();
    // Alone: nothing links version 4 to the version 2 seen.
    const error = await rejection(openNodeRecord(ring, forked4, guard));
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error).toBeInstanceOf(HistoryGapError);
    expect((error as HistoryGapError).missing).toEqual([3]);
    expect((error as Error).message).toMatch(/offers version 4 but version 2 is the last seen/);
    expect(() => guard.accept({ ...forked4, previous: forked3.hash })).toThrow(HistoryGapError);
    // With the loser's version 3 in between: its previous is not the version 2 seen.
    const opened3 = await openNodeRecord(ring, forked3, null);
    const opened4 = await openNodeRecord(ring, forked4, null);
    expect(() => guard.acceptChain([opened3, opened4])).toThrow(/version 3 does not follow the version 2 already seen/);
    expect(guard.toJSON()).toEqual(before); // nothing recorded
    expect(guard.seen(v1.nodeId)).toEqual({ version: 2, hash: v2.hash });
  });

  it("accepts version 4 after a gap only as a chain through the genuine version 3", async () => {
    const { ring, v1, v2, v3, v4, forked3, forked4 } = await chain();
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, v1, guard));
    guard.accept(await openNodeRecord(ring, v2, guard));
    const [o2, o3, o4, f3, f4] = await Promise.all([v2, v3, v4, forked3, forked4].map((r) => openNodeRecord(ring, r, null)));
    // Every link is needed: a skipped version, a foreign link or a chain that starts past the gap all fail.
    expect(() => guard.checkChain([])).toThrow(IntegrityError);
    expect(() => guard.checkChain([o2!, o4!])).toThrow(/from version 2 to version 4/);
    expect(() => guard.checkChain([o3!, f4!])).toThrow(/version 4 does not follow version 3 of the chain/);
    expect(() => guard.checkChain([f3!, o4!])).toThrow(IntegrityError);
    expect(() => guard.checkChain([o4!])).toThrow(HistoryGapError);
    expect(() => guard.checkChain([o3!, { ...o4!, nodeId: newNodeId() }])).toThrow(/mixes versions of another node/);
    expect(guard.seen(v1.nodeId)).toEqual({ version: 2, hash: v2.hash });
    guard.acceptChain([o3!, o4!]);
    expect(guard.seen(v1.nodeId)).toEqual({ version: 4, hash: v4.hash });
    // Starting from the version seen works too.
    const other = new HistoryGuard();
    other.accept(o2!);
    other.acceptChain([o2!, o3!, o4!]);
    expect(other.seen(v1.nodeId)).toEqual({ version: 4, hash: v4.hash });
    // And version 4 then refuses the loser's version 4.
    await expect(openNodeRecord(ring, forked4, guard)).rejects.toThrow(/second, different manifest for version 4/);
  });

  it("records nothing when it refuses, and survives a round trip through JSON", async () => {
    const { ring, v1, v2, loser, v3 } = await chain();
    const guard = new HistoryGuard();
    guard.accept(await openNodeRecord(ring, v1, null));
    guard.accept(await openNodeRecord(ring, v2, null));
    expect(() => guard.accept({ ...loser, previous: v1.hash })).toThrow(IntegrityError);
    const restored = HistoryGuard.fromJSON(JSON.stringify(guard));
    expect(restored.toJSON()).toEqual(guard.toJSON());
    expect(restored.seen(v1.nodeId)).toEqual({ version: 2, hash: v2.hash });
    await expect(openNodeRecord(ring, loser, restored)).rejects.toThrow(IntegrityError);
    restored.accept(await openNodeRecord(ring, v3, restored));
    expect(() => HistoryGuard.fromJSON({ format: 1, nodes: { x: [1, "00"] } })).toThrow(TypeError);
    expect(() => HistoryGuard.fromJSON({ format: 2, nodes: {} })).toThrow(TypeError);
    expect(() => HistoryGuard.fromJSON({ format: 1, nodes: { [v1.nodeId]: [1] } })).toThrow(TypeError);
  });

  it("starts from entries as it restores from JSON, with the same checks", async () => {
    const { ring, v1, v2, loser } = await chain();
    const guard = HistoryGuard.fromEntries([[v1.nodeId, 1, v1.hash], [v1.nodeId, 2, v2.hash]]); // the last entry of a node counts
    expect(guard.seen(v1.nodeId)).toEqual({ version: 2, hash: v2.hash });
    await expect(openNodeRecord(ring, loser, guard)).rejects.toThrow(IntegrityError);
    expect(guard.toJSON()).toEqual(HistoryGuard.fromJSON(guard.toJSON()).toJSON());
    for (const bad of [["x", 1, v1.hash], [v1.nodeId, 0, v1.hash], [v1.nodeId, 1.5, v1.hash], [v1.nodeId, 1, "00"]] as const) {
      expect(() => HistoryGuard.fromEntries([bad])).toThrow(TypeError);
    }
  });
});
