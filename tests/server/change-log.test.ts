/**
 * The change log and the snapshot over real HTTP and WebSocket (S7, A13):
 * after log cleaning on a quiet vault the snapshot's cursor is followed,
 * not answered `cursor_ahead` (a resync loop); the
 * snapshot is one point in time across its pages; `hello` gives the
 * vault's head. One real server per test.
 */
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitVersions } from "../../lib/server/files/commit.ts";
import { logHead, readChanges } from "../../lib/server/files/changes.ts";
import { trimChangeLog } from "../../lib/server/files/retention.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { createTestActor, versionInput } from "./helpers/context.ts";
import { deleteItem, nodeId, nodeItem, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { connect } from "./ws/client.ts";

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => server.close());

async function ok(items: object[]): Promise<{ seq: number }[]> {
  const res = await server.machineFetch("/api/commits", { method: "POST", body: JSON.stringify({ items }) });
  expect(res.status).toBe(200);
  const { results } = (await res.json()) as { results: { status: string; seq: number }[] };
  expect(results.map((r) => r.status)).toEqual(items.map(() => "ok"));
  return results;
}

interface Snapshot {
  cursor: number;
  items: { nodeId: string; version: number; kind: string; encName: string }[];
  nextAfter: string | null;
  hasMore: boolean;
}

interface Changes {
  changes: { seq: number; type: string; opId: string | null; payload: { nodeId?: string } }[];
  next: number;
  hasMore: boolean;
}

describe("change-log cleaning on a quiet vault (S7)", () => {
  it("follows the snapshot's cursor with changes, again and again: no cursor_ahead loop", async () => {
    await ok(Array.from({ length: 5 }, () => nodeItem(nodeId(), ROOT_NODE_ID, 0)));
    const trimmed = await trimChangeLog(server.ctx, { olderThanDays: 0, now: Date.now() + 1000 });
    expect(trimmed.eventsTrimmed).toBe(5);
    // The agent's cursor is gone with the log: it resyncs from the snapshot...
    const old = await server.machineFetch("/api/changes?since=1");
    expect(old.status).toBe(410);
    expect(await old.json()).toMatchObject({ error: { code: "cursor_expired" } });
    const resync = await server.machineFetch("/api/snapshot");
    expect(resync.status).toBe(200);
    const snapshot = (await resync.json()) as Snapshot;
    expect(snapshot.items).toHaveLength(5);
    // ...and follows the log from the snapshot's cursor, as many times as it polls.
    let cursor = snapshot.cursor;
    for (let poll = 0; poll < 3; poll++) {
      const res = await server.machineFetch(`/api/changes?since=${cursor}`);
      expect({ poll, status: res.status }).toEqual({ poll, status: 200 });
      const page = (await res.json()) as Changes;
      expect(page.changes).toEqual([]);
      cursor = page.next;
    }
    // New commits arrive after that cursor.
    const [next] = await ok([nodeItem(nodeId(), ROOT_NODE_ID, 0)]);
    const page = (await (await server.machineFetch(`/api/changes?since=${cursor}`)).json()) as Changes;
    expect(page.changes.map((c) => c.seq)).toEqual([next?.seq]);
    // A cursor beyond any seq this database gave is still refused (a restored backup).
    const ahead = await server.machineFetch(`/api/changes?since=${(await logHead(server.ctx.db)) + 1}`);
    expect(ahead.status).toBe(410);
    expect(await ahead.json()).toMatchObject({ error: { code: "cursor_ahead" } });
  });
});

describe("change-log cleaning in an account with two vaults (S7)", () => {
  it("keeps an up-to-date agent of a quiet vault going when another vault of its account is cleaned", async () => {
    const mine = await ok(Array.from({ length: 5 }, () => nodeItem(nodeId(), ROOT_NODE_ID, 0)));
    const [machine] = (await server.ctx.db.execute({ sql: "SELECT account_id, vault_id FROM machines WHERE id = ?", args: [server.machine.machineId] })).rows;
    const accountId = machine?.account_id as string;
    // A second vault W of the same account.
    const otherVault = crypto.randomUUID();
    await server.ctx.db.execute({ sql: "INSERT INTO vaults (id, account_id, created_at) VALUES (?, ?, ?)", args: [otherVault, accountId, Date.now()] });
    const other = { accountId, vaultId: otherVault, machineId: null, meta: { actor: "user:u1" } };
    // The agent is at its vault's last change, then W gets three commits.
    const first = (await (await server.machineFetch("/api/changes?since=0")).json()) as Changes;
    expect(first.changes.filter((c) => c.type === "FileVersionCommitted").map((c) => c.seq)).toEqual(mine.map((r) => r.seq));
    const cursor = first.next;
    for (let i = 0; i < 3; i++) {
      const [result] = await commitVersions(server.ctx, other, [versionInput(nodeId(), ROOT_NODE_ID, 0, [])]);
      expect(result?.status).toBe("ok");
    }
    // Only W's events are new: cleaning everything old cleans V's five and W's three.
    const trimmed = await trimChangeLog(server.ctx, { olderThanDays: 0, now: Date.now() + 1000 });
    expect(trimmed.eventsTrimmed).toBe(8);
    expect(trimmed.watermarks[otherVault]).toBeGreaterThan(cursor);
    // V's cursor is still good: none of V's events above it was cleaned.
    const res = await server.machineFetch(`/api/changes?since=${cursor}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Changes;
    expect(page.changes).toEqual([]);
    // The next cursor moves up to the log's head, past W's events.
    expect(page.next).toBe(await logHead(server.ctx.db));
    // A cursor below one of V's cleaned events is refused.
    const old = await server.machineFetch(`/api/changes?since=${mine[3]?.seq ?? 0}`);
    expect(old.status).toBe(410);
    expect(await old.json()).toMatchObject({ error: { code: "cursor_expired", oldestCursor: mine[4]?.seq } });
  });
});

describe("a vault shared by two accounts (tenancy, S7)", () => {
  it("each account's principals see the other's commits in /api/changes and on /ws/changes", async () => {
    const [row] = (await server.ctx.db.execute({ sql: "SELECT account_id, vault_id FROM machines WHERE id = ?", args: [server.machine.machineId] })).rows;
    const vaultId = row?.vault_id as string;
    const accountB = crypto.randomUUID();
    await server.ctx.db.execute({ sql: "INSERT INTO accounts (id, created_at) VALUES (?, ?)", args: [accountB, Date.now()] });
    await server.ctx.db.execute({
      sql: "INSERT INTO vault_members (vault_id, account_id, role, added_at) VALUES (?, ?, 'member', ?)",
      args: [vaultId, accountB, Date.now()],
    });
    const memberB = { accountId: accountB, vaultId, machineId: null, meta: { actor: "user:b" } };
    const socket = await connect(server, "/ws/changes", { headers: { authorization: `Bearer ${server.machine.token}` } });
    try {
      const hello = await socket.waitFor((m) => m.type === "hello");
      // A's machine creates a node; B writes its next version (one stream, two accounts) and a node of its own.
      const created = nodeItem(nodeId(), ROOT_NODE_ID, 0);
      const [mine] = await ok([created]);
      const theirs = await commitVersions(server.ctx, memberB, [versionInput(created.nodeId, ROOT_NODE_ID, 1, []), versionInput(nodeId(), ROOT_NODE_ID, 0, [])]);
      expect(theirs.map((r) => r.status)).toEqual(["ok", "ok"]);
      const seqs = [mine?.seq, ...theirs.map((r) => (r as { seq: number }).seq)];
      // A's machine reads B's commits from the log, and is pushed them.
      const page = (await (await server.machineFetch(`/api/changes?since=${String(hello.cursor)}`)).json()) as Changes;
      expect(page.changes.map((c) => c.seq)).toEqual(seqs);
      await socket.waitFor((m) => m.type === "changes" && (m.events as { seq: number }[]).some((e) => e.seq === seqs[2]));
      // B reads A's commit (and its own) from the same log.
      const readB = await readChanges(server.ctx.db, { kind: "user", accountId: accountB, vaultId }, Number(hello.cursor), 100);
      expect(readB.changes.map((c) => c.seq)).toEqual(seqs);
    } finally {
      socket.close();
    }
  });
});

describe("the snapshot (S7)", () => {
  it("is one point in time across its pages, and the log from its cursor brings it up to date", async () => {
    const items = Array.from({ length: 6 }, () => nodeItem(nodeId(), ROOT_NODE_ID, 0));
    await ok(items);
    const byId = [...items].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    const first = (await (await server.machineFetch("/api/snapshot?limit=2")).json()) as Snapshot;
    expect(first.items.map((i) => i.nodeId)).toEqual(byId.slice(0, 2).map((i) => i.nodeId));
    // Between pages: a later node renamed, another deleted, a new one created.
    const [renamed, deleted] = [byId[4], byId[5]];
    if (!renamed || !deleted) throw new Error("fixture");
    const added = nodeItem(nodeId(), ROOT_NODE_ID, 0);
    await ok([nodeItem(renamed.nodeId, ROOT_NODE_ID, 1), deleteItem(deleted.nodeId, 1), added]);
    const rest: Snapshot["items"] = [];
    let after = first.nextAfter;
    while (after) {
      const page = (await (await server.machineFetch(`/api/snapshot?limit=2&after=${after}&cursor=${first.cursor}`)).json()) as Snapshot;
      expect(page.cursor).toBe(first.cursor);
      rest.push(...page.items);
      after = page.nextAfter;
    }
    const all = [...first.items, ...rest];
    expect(all.map((i) => i.nodeId)).toEqual(byId.map((i) => i.nodeId));
    expect(all.map((i) => [i.version, i.kind])).toEqual(byId.map(() => [1, "file"]));
    expect(all.find((i) => i.nodeId === renamed.nodeId)?.encName).toBe(renamed.encName);
    const changes = (await (await server.machineFetch(`/api/changes?since=${first.cursor}`)).json()) as Changes;
    expect(changes.changes.map((c) => c.payload.nodeId).sort()).toEqual([renamed.nodeId, deleted.nodeId, added.nodeId].sort());
  });
});

describe("page byte budget (S1)", () => {
  it("ends pages of changes, the snapshot, a folder and a history past 8 MiB, always with one item", async () => {
    const big = (): string => Buffer.from(randomBytes(1_000_000)).toString("base64url");
    const folder = nodeId();
    await ok([nodeItem(folder, ROOT_NODE_ID, 0, [], "dir")]);
    const file = nodeId();
    for (let i = 0; i < 7; i++) {
      // Six new files and seven versions of one, each with a 1.33 MB manifest: ~17 MiB in all.
      const items: object[] = [{ ...nodeItem(file, folder, i), manifest: big() }];
      if (i < 6) items.push({ ...nodeItem(nodeId(), folder, 0), manifest: big() });
      await ok(items);
    }
    let since = 0;
    const sizes: number[] = [];
    for (;;) {
      const res = await server.machineFetch(`/api/changes?since=${since}&limit=5000`);
      const text = await res.text();
      const page = JSON.parse(text) as Changes;
      expect(page.changes.length).toBeGreaterThan(0);
      sizes.push(page.changes.length);
      expect(text.length).toBeLessThan(8 * 1024 * 1024 + 1_500_000);
      since = page.next;
      if (!page.hasMore) break;
    }
    expect(sizes.length).toBeGreaterThan(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(14);
    let after = "";
    let cursor: number | undefined;
    const snapshotItems: string[] = [];
    for (let pages = 0; ; pages++) {
      const res = await server.machineFetch(`/api/snapshot?limit=5000&after=${after}${cursor === undefined ? "" : `&cursor=${cursor}`}`);
      const text = await res.text();
      expect(text.length).toBeLessThan(8 * 1024 * 1024 + 1_500_000);
      const page = JSON.parse(text) as Snapshot;
      snapshotItems.push(...page.items.map((i) => i.nodeId));
      cursor = page.cursor;
      if (!page.hasMore) {
        expect(pages).toBeGreaterThan(0);
        break;
      }
      after = page.nextAfter ?? "";
    }
    expect(new Set(snapshotItems).size).toBe(snapshotItems.length);
    expect(snapshotItems).toContain(file);
    const tree = (await (await server.machineFetch(`/api/tree?parentId=${folder}&limit=5000`)).json()) as { items: { nodeId: string }[]; nextAfter: string | null };
    expect(tree.items.length).toBeLessThan(7);
    expect(tree.nextAfter).toBe(tree.items.at(-1)?.nodeId);
    const history = (await (await server.machineFetch(`/api/files/${file}/versions?limit=1000`)).json()) as { versions: unknown[]; nextBefore: number | null };
    expect(history.versions.length).toBeLessThan(7);
    expect(history.nextBefore).toBe(7 - history.versions.length + 1);
  });
});

describe("/ws/changes hello (S7, A13)", () => {
  it("gives the vault's head cursor, not the whole log's", async () => {
    const [mine] = await ok([nodeItem(nodeId(), ROOT_NODE_ID, 0)]);
    // Another vault's later commits move the log's head, not this vault's.
    const other = await createTestActor(server.ctx);
    const theirs = await commitVersions(server.ctx, other, [versionInput(nodeId(), ROOT_NODE_ID, 0, [])]);
    expect(theirs[0]?.status).toBe("ok");
    const socket = await connect(server, "/ws/changes", { headers: { authorization: `Bearer ${server.machine.token}` } });
    try {
      const hello = await socket.waitFor((m) => m.type === "hello");
      expect(hello.cursor).toBe(mine?.seq);
      expect(await logHead(server.ctx.db)).toBeGreaterThan(mine?.seq ?? 0);
      const res = await server.machineFetch(`/api/changes?since=${String(hello.cursor)}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Changes).changes).toEqual([]);
    } finally {
      socket.close();
    }
  });
});

describe("a complete page's cursor while a commit is in flight (S7)", () => {
  it("stops below the seq of an event not yet committed, and reaches it once committed", async () => {
    await ok([nodeItem(nodeId(), ROOT_NODE_ID, 0)]);
    const owner = (await server.ctx.db.execute("SELECT account_id, vault_id FROM events ORDER BY seq DESC LIMIT 1")).rows[0];
    const tx = await server.ctx.db.transaction("write");
    let inFlight = 0;
    try {
      const inserted = await tx.execute({
        sql: `INSERT INTO events (id, account_id, vault_id, stream, stream_version, type, version, ts, payload, meta)
              VALUES (?, ?, ?, ?, 1, 'test.in_flight', 1, ?, '{}', '{}') RETURNING seq`,
        args: [randomBytes(16).toString("hex"), owner?.account_id ?? "", owner?.vault_id ?? "", `test:${randomBytes(8).toString("hex")}`, Date.now()],
      });
      inFlight = Number(inserted.rows[0]?.seq);
      // PostgreSQL's sequence already counts the seq; this reader cannot see its event.
      const during = await server.machineFetch("/api/changes?since=0");
      expect(during.status).toBe(200);
      const page = (await during.json()) as Changes;
      expect(page.hasMore).toBe(false);
      expect(page.next).toBeLessThan(inFlight);
      await tx.commit();
    } finally {
      tx.close();
    }
    const after = (await (await server.machineFetch("/api/changes?since=0")).json()) as Changes;
    expect(after.next).toBeGreaterThanOrEqual(inFlight);
  });
});
