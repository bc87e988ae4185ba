// The socket protocol details a real server rarely shows: the server's
// JSON ping, the token's place, a 4429 close, hints and malformed messages.
// A bare `ws` server plays the other side.
import { afterEach, describe, expect, it } from "vitest";
import { startChangeFeed, type ChangeFeed } from "../../../lib/agent/sources/change-feed.ts";
import { backoffDelay } from "../../../lib/agent/sources/backoff.ts";
import { startLiveSocket } from "../../../lib/agent/sources/live-socket.ts";
import { webSocketUrl } from "../../../lib/agent/sources/ws-url.ts";
import { waitFor } from "../../helpers/wait.ts";
import { peer, type Peer } from "./ws-peer.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function feedTo(p: Peer, log: { hints: number[]; errors: string[]; changes: number; commands: number }, maxMs = 100): ChangeFeed {
  const feed = startChangeFeed({
    serverUrl: p.url,
    token: "sam_secret-token",
    backoff: { initialMs: 10, maxMs },
    onHello: () => undefined,
    onChanges: (_c, events) => void (log.changes += events.length),
    onHint: (cursor) => log.hints.push(cursor),
    onCommand: () => void log.commands++,
    onError: (e) => log.errors.push(e.message),
  });
  cleanups.push(() => feed.close());
  return feed;
}

describe("the live socket protocol", () => {
  it("sends the token as a subprotocol, never in the URL, and answers a JSON ping", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    const log = { hints: [], errors: [], changes: 0, commands: 0 };
    feedTo(p, log);
    await waitFor("a connection", () => p.sockets.length === 1);
    expect(p.requests[0]!.url).toBe("/ws/changes");
    expect(p.requests[0]!.protocols).toMatch(/^syncagent\.v1, ?bearer\.sam_secret-token$/);
    p.sockets[0]!.send(JSON.stringify({ type: "ping", ts: 1 }));
    await waitFor("the pong", () => p.received.length === 1);
    expect(p.received[0]).toEqual({ type: "pong" });
  });

  it("passes hints, skips malformed and unknown messages with an error, and keeps the socket", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    const log = { hints: [] as number[], errors: [] as string[], changes: 0, commands: 0 };
    const feed = feedTo(p, log);
    await waitFor("a connection", () => p.sockets.length === 1 && feed.connected);
    const ws = p.sockets[0]!;
    ws.send("not json");
    ws.send(JSON.stringify({ type: "changes", cursor: 5, events: [{ seq: "x" }] }));
    ws.send(JSON.stringify({ type: "command", commandId: "short", kind: "pause", issuedAt: 1, expiresAt: 2 }));
    ws.send(JSON.stringify({ type: "hello" }));
    ws.send(JSON.stringify({ type: "something_new" }));
    ws.send(JSON.stringify([1, 2]));
    ws.send(JSON.stringify({ type: "changed", cursor: 42, dropped: 3 }));
    await waitFor("the hint", () => log.hints.length === 1);
    expect(log.hints).toEqual([42]);
    expect(log.changes).toBe(0);
    expect(log.commands).toBe(0);
    expect(log.errors).toHaveLength(4);
    expect(log.errors.join("\n")).not.toContain("sam_secret-token");
    expect(feed.connected).toBe(true);
    expect(p.sockets).toHaveLength(1);
  });

  it("waits longer after a 4429 close than after a plain drop", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    const log = { hints: [], errors: [], changes: 0, commands: 0 };
    feedTo(p, log, 300);
    await waitFor("a connection", () => p.sockets.length === 1);
    p.sockets[0]!.close(4000, "drop");
    await waitFor("the reconnect", () => p.sockets.length === 2);
    const quick = p.requests[1]!.at - p.requests[0]!.at;
    const closedAt = Date.now();
    p.sockets[1]!.close(4429, "too many sockets");
    await waitFor("the late reconnect", () => p.sockets.length === 3);
    expect(p.requests[2]!.at - closedAt).toBeGreaterThanOrEqual(290);
    expect(quick).toBeLessThan(290);
  });
});

describe("the idle watchdog", () => {
  it("drops and redials a connection that shows no sign of life, and keeps one that is pinged", async () => {
    const p = await peer();
    cleanups.push(() => p.close());
    const silent = startLiveSocket({ serverUrl: p.url, path: "/ws/events", token: "sam_t", idleTimeoutMs: 150, backoff: { initialMs: 10, maxMs: 20 }, onMessage: () => undefined });
    cleanups.push(() => silent.close());
    await waitFor("a redial after silence", () => p.sockets.length >= 2);
    await silent.close();

    const before = p.sockets.length;
    const pinged = startLiveSocket({ serverUrl: p.url, path: "/ws/events", token: "sam_t", idleTimeoutMs: 150, onMessage: () => undefined });
    cleanups.push(() => pinged.close());
    await waitFor("the connection", () => p.sockets.length === before + 1 && pinged.connected);
    const ws = p.sockets[before]!;
    let pongs = 0;
    ws.on("pong", () => void pongs++);
    const beat = setInterval(() => ws.ping(), 30);
    cleanups.push(() => Promise.resolve(clearInterval(beat)));
    await waitFor("ten heartbeats, well past the idle timeout", () => pongs >= 10);
    expect(pinged.connected).toBe(true);
    expect(p.sockets).toHaveLength(before + 1);
  });
});

describe("backoffDelay", () => {
  it("doubles from the initial delay up to the cap, with jitter in the upper half", () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect(backoffDelay(0, { initialMs: 1000, maxMs: 60_000 }, low)).toBe(500);
    expect(backoffDelay(0, { initialMs: 1000, maxMs: 60_000 }, high)).toBe(1000);
    expect(backoffDelay(3, { initialMs: 1000, maxMs: 60_000 }, high)).toBe(8000);
    expect(backoffDelay(20, { initialMs: 1000, maxMs: 60_000 }, high)).toBe(60_000);
    expect(backoffDelay(1000, {}, low)).toBe(30_000);
  });
});

describe("webSocketUrl", () => {
  it("maps http to ws and https to wss under the base path", () => {
    expect(webSocketUrl("http://127.0.0.1:8080", "/ws/changes")).toBe("ws://127.0.0.1:8080/ws/changes");
    expect(webSocketUrl("https://sync.example.org/base/", "/ws/events")).toBe("wss://sync.example.org/base/ws/events");
  });

  it("refuses other schemes, credentials and garbage", () => {
    expect(() => webSocketUrl("ftp://x", "/ws/changes")).toThrow(TypeError);
    expect(() => webSocketUrl("https://user:pw@x", "/ws/changes")).toThrow(/credentials/);
    expect(() => webSocketUrl("not a url", "/ws/changes")).toThrow(/not a URL/);
  });
});
