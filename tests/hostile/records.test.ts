// A hostile server tampering with node records (C6, A8, Q1, Q2): between
// machine B and a real server, the proxy rewrites the change feed
// (`GET /api/changes`) and the snapshot (`GET /api/snapshot`). Each attack:
// B refuses the record with an integrity error that `sync` reports (exit 1),
// keeps what it verified before, writes nothing wrong, and syncs the other
// files of the same run; what a server can do undetected without tree
// checkpoints (hiding a deletion) is shown as such.
import { join } from "node:path";
import { unlink } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { sealNodeRecord, toBase64Url } from "../../lib/crypto/mod.ts";
import type { Change, ChangesPage, NodeVersion, SnapshotNode } from "../../lib/agent/client/files.ts";
import { sha256Of } from "../agent/e2e/disk.ts";
import { expectDisk, put, remoteFile, startScene, type RemoteFile, type Scene } from "./setup.ts";

let s: Scene;
const synced: Record<string, string> = {};

beforeAll(async () => {
  s = await startScene();
});
afterAll(async () => {
  await s.close();
});
beforeEach(() => s.proxy.clear());

const isChanges = (_m: string, path: string): boolean => path.startsWith("/api/changes");
const isSnapshot = (_m: string, path: string): boolean => path.startsWith("/api/snapshot");
const REFUSED = /refused|Refusing node|Cannot open node record/;

/** Every change of the real log (the proxy's rewrites start from these). */
async function realChanges(): Promise<Change[]> {
  const res = await s.server.machineFetch("/api/changes?since=0&limit=5000");
  return ((await res.json()) as ChangesPage).changes;
}

/** A node's versions as the real server keeps them, by version. */
async function versionsOf(nodeId: string): Promise<Map<number, NodeVersion>> {
  const res = await s.server.machineFetch(`/api/files/${nodeId}/versions?limit=100`);
  return new Map(((await res.json()) as { versions: NodeVersion[] }).versions.map((v) => [v.version, v]));
}

/** A change announcing `record` as a node version, shaped like the server's own. */
function changeOf(template: Change, seq: number, record: Omit<SnapshotNode, "size" | "chunks"> & Partial<SnapshotNode>): Change {
  return { ...template, seq, id: `${template.id.slice(0, 24)}${seq.toString(16).padStart(8, "0")}`, payload: { ...template.payload, ...record } };
}

/** Appends changes, with seqs after the log's, to the next change page B reads (once). */
function appendOnce(make: (page: ChangesPage) => Change[]): void {
  let done = false;
  s.proxy.rewrite(isChanges, (ex) => {
    const page = JSON.parse(ex.body.toString("utf8")) as ChangesPage;
    if (done) return null;
    done = true;
    let seq = Math.max(page.next, page.changes[page.changes.length - 1]?.seq ?? 0);
    for (const c of make(page)) page.changes.push({ ...c, seq: ++seq });
    page.next = Math.max(page.next, seq);
    return Buffer.from(JSON.stringify(page));
  });
}

/** Makes B's next change-log read answer 410, so B reads the tree again from a snapshot. */
function expireCursorOnce(): void {
  let done = false;
  s.proxy.rewrite(isChanges, () => {
    if (done) return null;
    done = true;
    return { status: 410, body: Buffer.from(JSON.stringify({ error: { code: "cursor_expired", message: "expired", oldestCursor: 1 } })) };
  });
}

function refusedIds(summary: { refused: Array<{ nodeId: string; message: string }> }): string[] {
  return summary.refused.map((r) => r.nodeId);
}

it("3. refuses an older version served after a newer one was seen, from the change log and from a snapshot", async () => {
  await put(s, "contract.txt", "version one");
  await s.syncA();
  const v2 = await put(s, "contract.txt", "version two, signed");
  await s.syncA();
  const first = await s.syncB();
  expect(first.code, first.text).toBe(0);
  const contract = await remoteFile(s, "contract.txt");
  const v1 = (await versionsOf(contract.record.nodeId)).get(1)!;
  const template = (await realChanges()).find((c) => c.type === "FileVersionCommitted")!;

  // The change log offers version 1 again as the newest change.
  const later = await put(s, "rollback-later.txt", "written later");
  await s.syncA();
  appendOnce(() => [changeOf(template, 0, { nodeId: contract.record.nodeId, ...v1 })]);
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  expect(b.code).toBe(1);
  expect(b.summary.refused).toEqual([
    { nodeId: contract.record.nodeId, message: `Refusing node ${contract.record.nodeId}: the server offers version 1, older than version 2 already seen (a rollback)` },
  ]);
  await expectDisk(s, [], { "contract.txt": v2, "rollback-later.txt": later });

  // A snapshot (after the log "expired") serves version 1 as the node's head.
  s.proxy.clear();
  const third = await put(s, "rollback-third.txt", "and a third");
  await s.syncA();
  expireCursorOnce();
  s.proxy.rewrite(isSnapshot, (ex) => {
    const page = JSON.parse(ex.body.toString("utf8")) as { items: SnapshotNode[] };
    page.items = page.items.map((n) => (n.nodeId === contract.record.nodeId ? { ...n, ...v1 } : n));
    return Buffer.from(JSON.stringify(page));
  });
  const c = await s.syncB();
  expect(s.proxy.rules[1]!.hits).toBeGreaterThan(0);
  expect(c.code).toBe(1);
  expect(refusedIds(c.summary)).toEqual([contract.record.nodeId]);
  expect(c.summary.refused[0]!.message).toMatch(/older than version 2 already seen \(a rollback\)/);
  expect(c.summary.serverBehind).toBe(true);
  await expectDisk(s, [], { "contract.txt": v2, "rollback-later.txt": later, "rollback-third.txt": third });
  Object.assign(synced, { "contract.txt": v2, "rollback-later.txt": later, "rollback-third.txt": third });
});

it("4. refuses a conflict loser served as the head, a branch grown from it, and an older version under a newer number", async () => {
  await put(s, "shared.txt", "first draft");
  await s.syncA();
  const winner = await put(s, "shared.txt", "the draft that won");
  await s.syncA();
  const ok = await s.syncB();
  expect(ok.code, ok.text).toBe(0);
  const shared: RemoteFile = await remoteFile(s, "shared.txt");
  const nodeId = shared.record.nodeId;
  const v1 = (await versionsOf(nodeId)).get(1)!;
  // The loser: a genuine version 2 from a machine of the vault that lost the race (the server refused it, 409).
  const loser = await sealNodeRecord(s.keyring.current, { nodeId, version: 2 }, { ...shared.opened.manifest, mtimeMs: shared.opened.manifest.mtimeMs + 1000, machineId: "gamma" });
  // A version 3 grown from the loser: its chain runs through the refused version.
  const branch = await sealNodeRecord(s.keyring.current, { nodeId, version: 3 }, { ...shared.opened.manifest, mtimeMs: shared.opened.manifest.mtimeMs + 2000, previous: loser.hash, machineId: "gamma" });
  const template = (await realChanges()).find((c) => c.type === "FileVersionCommitted")!;
  const record = (r: { parentId: string; encName: string; manifest: Uint8Array }, version: number) => ({
    nodeId,
    parentId: r.parentId,
    encName: r.encName,
    kind: "file" as const,
    version,
    manifest: typeof r.manifest === "string" ? r.manifest : toBase64Url(r.manifest),
  });

  for (const [what, offered] of [
    ["the loser as version 2", record(loser, 2)],
    ["a version 3 whose chain runs through the loser", record(branch, 3)],
    ["version 1's manifest labelled version 3", { ...record({ ...v1, manifest: new Uint8Array() }, 3), manifest: v1.manifest }],
  ] as const) {
    const bystander = await put(s, `conflict-${offered.version}-${what.length}.txt`, what);
    await s.syncA();
    s.proxy.clear();
    appendOnce(() => [changeOf(template, 0, offered)]);
    const b = await s.syncB();
    expect(s.proxy.rules[0]!.hits, what).toBe(1);
    expect(b.code, what).toBe(1);
    expect(refusedIds(b.summary), what).toEqual([nodeId]);
    expect(b.summary.refused[0]!.message, what).toMatch(REFUSED);
    await expectDisk(s, [], { ...synced, "shared.txt": winner, [`conflict-${offered.version}-${what.length}.txt`]: bystander });
    synced[`conflict-${offered.version}-${what.length}.txt`] = bystander;
  }
  synced["shared.txt"] = winner;
});

it("8. refuses two names swapped inside a folder, and syncs the rest", async () => {
  const left = await put(s, "left.txt", "I am left");
  const right = await put(s, "right.txt", "I am right");
  const middle = await put(s, "middle.txt", "untouched");
  await s.syncA();
  const l = await remoteFile(s, "left.txt");
  const r = await remoteFile(s, "right.txt");
  // Swapped wherever the server shows them: in the change log and in each node's history.
  s.proxy.rewrite(isChanges, (ex) => {
    const page = JSON.parse(ex.body.toString("utf8")) as ChangesPage;
    const pl = page.changes.find((c) => c.payload.nodeId === l.record.nodeId);
    const pr = page.changes.find((c) => c.payload.nodeId === r.record.nodeId);
    if (!pl || !pr) return null;
    [pl.payload.encName, pr.payload.encName] = [pr.payload.encName, pl.payload.encName];
    return Buffer.from(JSON.stringify(page));
  });
  const swapped = new Map([
    [l.record.nodeId, r.record.encName],
    [r.record.nodeId, l.record.encName],
  ]);
  s.proxy.rewrite(
    (_m, path) => /^\/api\/files\/[0-9a-f]{32}\/versions/.test(path),
    (ex) => {
      const nodeId = ex.path.split("/")[3]!;
      const encName = swapped.get(nodeId);
      if (!encName) return null;
      const page = JSON.parse(ex.body.toString("utf8")) as { versions: NodeVersion[] };
      page.versions = page.versions.map((v) => ({ ...v, encName }));
      return Buffer.from(JSON.stringify(page));
    },
  );
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  expect(s.proxy.rules[1]!.hits).toBeGreaterThan(0);
  expect(b.code).toBe(1);
  expect(refusedIds(b.summary).sort()).toEqual([l.record.nodeId, r.record.nodeId].sort());
  for (const refusal of b.summary.refused) expect(refusal.message).toBe("Cannot open node record: it was altered or does not belong here");
  await expectDisk(s, ["left.txt", "right.txt"], { ...synced, "middle.txt": middle });
  synced["middle.txt"] = middle;

  // The next run remembers the refusals (the log has moved past those records): it reads both nodes again, and refuses again.
  const again = await s.syncB();
  expect(again.code).toBe(1);
  expect(refusedIds(again.summary).sort()).toEqual([l.record.nodeId, r.record.nodeId].sort());
  await expectDisk(s, ["left.txt", "right.txt"], synced);

  // Answered honestly again, the refused records are read again and both files arrive under their own names.
  s.proxy.clear();
  const healed = await s.syncB();
  expect(healed.code, healed.text).toBe(0);
  await expectDisk(s, [], { ...synced, "left.txt": left, "right.txt": right });
  Object.assign(synced, { "left.txt": left, "right.txt": right });
});

it("9. a deletion hidden from the change log is caught by the deleting machine's checkpoint: the file stays, the run fails, then the tombstone deletes it", async () => {
  const doomed = await put(s, "doomed.txt", "to be deleted");
  await s.syncA();
  const first = await s.syncB();
  expect(first.code, first.text).toBe(0);
  const d = await remoteFile(s, "doomed.txt");

  // The tombstone is left out of the change log; A's checkpoint, published after the deletion, lists it.
  await unlink(join(s.a.folder, "doomed.txt"));
  const bystander = await put(s, "deletion-bystander.txt", "still here");
  await s.syncA();
  const tombstone = (await realChanges()).find((c) => c.payload.nodeId === d.record.nodeId && c.payload.kind === "delete")!;
  expect(tombstone).toBeDefined();
  s.proxy.rewrite(isChanges, (ex) => {
    const page = JSON.parse(ex.body.toString("utf8")) as ChangesPage;
    const kept = page.changes.filter((c) => c.seq !== tombstone.seq);
    if (kept.length === page.changes.length) return null;
    return Buffer.from(JSON.stringify({ ...page, changes: kept }));
  });
  const b = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  expect(b.code, b.text).toBe(1);
  expect(b.summary.checkpoint).toMatch(/^Integrity: the server's tree differs from what machine [0-9a-f]{12} verified: 1 node\(s\) \(1 at an older version\)/);
  // Nothing of the contradicted node is written or deleted; the rest syncs.
  await expectDisk(s, [], { ...synced, "doomed.txt": doomed, "deletion-bystander.txt": bystander });
  synced["deletion-bystander.txt"] = bystander;

  // Shown later, the tombstone deletes B's copy (unchanged since it was synced), and the check passes.
  s.proxy.clear();
  appendOnce(() => [tombstone]);
  const e = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  expect(e.code, e.text).toBe(0);
  expect(e.summary.checkpoint).toBeNull();
  await expectDisk(s, ["doomed.txt"], synced);
});

it("9b. a node left out of a snapshot is checked against its history: kept and reported, and a tombstone left out that way still deletes", async () => {
  const kept = await put(s, "listed-not.txt", "left out of the listing");
  const dropped = await put(s, "deleted-unlisted.txt", "deleted, its tombstone unlisted");
  await s.syncA();
  expect((await s.syncB()).code).toBe(0);
  const k = await remoteFile(s, "listed-not.txt");
  const d = await remoteFile(s, "deleted-unlisted.txt");
  await unlink(join(s.a.folder, "deleted-unlisted.txt"));
  await s.syncA();
  expireCursorOnce();
  s.proxy.rewrite(isSnapshot, (ex) => {
    const page = JSON.parse(ex.body.toString("utf8")) as { items: SnapshotNode[] };
    page.items = page.items.filter((n) => n.nodeId !== k.record.nodeId && n.nodeId !== d.record.nodeId);
    return Buffer.from(JSON.stringify(page));
  });
  const b = await s.syncB();
  expect(s.proxy.rules[1]!.hits).toBeGreaterThan(0);
  expect(b.code).toBe(1);
  expect(b.summary.passes).toBeLessThan(10);
  expect(b.summary.refused.map((r) => [r.nodeId, r.message]).sort()).toEqual(
    [k.record.nodeId, d.record.nodeId].sort().map((id) => [id, `Refusing the server's snapshot: it leaves out node ${id}, whose history it still serves (an incomplete listing)`]),
  );
  expect(b.summary.serverBehind).toBe(false);
  await expectDisk(s, ["deleted-unlisted.txt"], { ...synced, "listed-not.txt": kept });
  expect(await sha256Of(join(s.b.folder, "deleted-unlisted.txt"))).toBeNull();
  expect(dropped).not.toBe(kept);
  synced["listed-not.txt"] = kept;

  // Honest again: nothing left to report.
  s.proxy.clear();
  const c = await s.syncB();
  expect(c.code, c.text).toBe(0);
});

it("9c. a node the server claims lost (left out of the snapshot and of its history) is never deleted here, and cannot come back older", async () => {
  await put(s, "lost.txt", "lost, version one");
  synced["lost-bystander.txt"] = await put(s, "lost-bystander.txt", "listed as always");
  await s.syncA();
  const v2 = await put(s, "lost.txt", "lost, version two");
  await s.syncA();
  expect((await s.syncB()).code).toBe(0);
  const lost = await remoteFile(s, "lost.txt");
  const v1 = (await versionsOf(lost.record.nodeId)).get(1)!;
  const template = (await realChanges()).find((c) => c.type === "FileVersionCommitted")!;
  expireCursorOnce();
  s.proxy.rewrite(isSnapshot, (ex) => {
    const page = JSON.parse(ex.body.toString("utf8")) as { items: SnapshotNode[] };
    page.items = page.items.filter((n) => n.nodeId !== lost.record.nodeId);
    return Buffer.from(JSON.stringify(page));
  });
  s.proxy.rewrite(
    (_m, path) => path.startsWith(`/api/files/${lost.record.nodeId}/versions`),
    () => ({ status: 404, body: Buffer.from(JSON.stringify({ error: { code: "not_found", message: "Unknown node" } })) }),
  );
  // B sends its copy again as a new node, which the real server, still holding the name, refuses: after three
  // refusals in a row it is a failure with its backoff, not a loop of passes.
  const b = await s.syncB();
  expect(s.proxy.rules[1]!.hits).toBeGreaterThan(0);
  expect(b.summary.serverBehind).toBe(true);
  expect(b.code).toBe(1);
  expect(b.summary.passes).toBeLessThan(10);
  expect(b.summary.failed).toEqual([{ path: "lost.txt", error: expect.stringMatching(/refused this change 3 times in a row \(name_taken\)/) as string }]);
  await expectDisk(s, [], { ...synced, "lost.txt": v2 });

  // A later run (a new process): the server brings the node back at version 1.
  s.proxy.clear();
  appendOnce(() => [changeOf(template, 0, { nodeId: lost.record.nodeId, ...v1 })]);
  const c = await s.syncB();
  expect(s.proxy.rules[0]!.hits).toBe(1);
  expect(c.code).toBe(1);
  expect(c.summary.refused).toEqual([
    { nodeId: lost.record.nodeId, message: `Refusing node ${lost.record.nodeId}: the server offers version 1, older than version 2 already seen (a rollback)` },
  ]);
  expect(c.summary.conflicts).toEqual([]);
  await expectDisk(s, [], { ...synced, "lost.txt": v2 });
});
