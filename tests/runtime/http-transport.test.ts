/**
 * The transport port's choice and the Bun transport's glue, on Node: the
 * Bun runtime is stood in for by an object with the `Bun.serve` surface the
 * transport uses, so what the glue hands to the app and to the sockets is
 * checked here line by line; tests/server/bun-serve.test.ts checks the
 * real thing over sockets under Bun.
 */
import { Hono } from "hono";
import type { WSContext } from "hono/ws";
import { afterEach, describe, expect, it } from "vitest";
import { bunTransport, hasBunServe } from "../../lib/runtime/http/bun.ts";
import { remoteAddressOf } from "../../lib/runtime/http/connection.ts";
import type { HeartbeatSocket, ListenOptions } from "../../lib/runtime/http/port.ts";
import { createTransport, transportKind } from "../../lib/runtime/http/transport.ts";

const limits = { maxMessageBytes: 64 * 1024, protocol: "syncagent.v1" };
const deadlines = { headersTimeoutMs: 10_000, bodyTimeoutMs: 60_000, uploadTimeoutMs: 300_000, idleTimeoutMs: 5_000 };
const listenOptions: ListenOptions = {
  hostname: "127.0.0.1",
  port: 0,
  deadlines,
  bodyDeadlineFor: (method) => (method === "PUT" ? deadlines.uploadTimeoutMs : deadlines.bodyTimeoutMs),
  maxBodyBytes: 1024,
};

interface Served {
  options: Record<string, unknown>;
  timeouts: number[];
  upgrades: Array<{ data: Record<string, unknown>; headers?: Record<string, string> }>;
  stopped: boolean[];
  upgradeResult: boolean;
}

function standInBun(hostname = "127.0.0.1"): Served {
  const served: Served = { options: {}, timeouts: [], upgrades: [], stopped: [], upgradeResult: true };
  (globalThis as { Bun?: unknown }).Bun = {
    serve(options: Record<string, unknown>) {
      served.options = options;
      return {
        port: 4242,
        hostname,
        pendingRequests: 2,
        pendingWebSockets: 3,
        upgrade: (_req: Request, o: { data: Record<string, unknown>; headers?: Record<string, string> }) => {
          served.upgrades.push(o);
          return served.upgradeResult;
        },
        requestIP: () => ({ address: "10.0.0.7" }),
        timeout: (_req: Request, s: number) => void served.timeouts.push(s),
        stop: (all?: boolean) => {
          served.stopped.push(all === true);
          return Promise.resolve();
        },
      };
    },
  };
  return served;
}

type Fetch = (request: Request, server: unknown) => Promise<Response>;

afterEach(() => {
  delete (globalThis as { Bun?: unknown }).Bun;
});

describe("transport choice", () => {
  it("is Bun.serve under Bun unless the Node server is forced, the Node server elsewhere", () => {
    expect(transportKind(undefined, true)).toBe("bun");
    expect(transportKind("node", true)).toBe("node");
    expect(transportKind(undefined, false)).toBe("node");
    expect(hasBunServe()).toBe(false);
    expect(createTransport(new Hono(), limits).kind).toBe("node");
  });

  it("reads the client address from either transport's env", () => {
    expect(remoteAddressOf({ incoming: { socket: { remoteAddress: "::1" } } })).toBe("::1");
    expect(remoteAddressOf({ remoteAddress: "10.0.0.1" })).toBe("10.0.0.1");
    expect(remoteAddressOf(undefined)).toBeUndefined();
  });
});

describe("the Bun transport", () => {
  it("serves with the deadlines in seconds, the body limit, TLS and the socket limits", async () => {
    const served = standInBun("::1");
    const listening = await bunTransport(new Hono(), limits).listen({ ...listenOptions, tls: { cert: "C", key: "K" } });
    expect(served.options).toMatchObject({ hostname: "127.0.0.1", port: 0, idleTimeout: 5, maxRequestBodySize: 1024, tls: { cert: "C", key: "K" } });
    expect(served.options.websocket).toMatchObject({ maxPayloadLength: 64 * 1024, idleTimeout: 0, sendPings: false });
    expect(listening).toMatchObject({ address: "::1", family: "IPv6", port: 4242 });
    expect(await listening.connections()).toBe(5);
    await listening.close();
    expect(served.stopped).toEqual([true]);
  });

  it("rejects when Bun cannot listen", async () => {
    (globalThis as { Bun?: unknown }).Bun = {
      serve: () => {
        throw new Error("EADDRINUSE");
      },
    };
    await expect(bunTransport(new Hono(), limits).listen(listenOptions)).rejects.toThrow("EADDRINUSE");
  });

  it("gives the app the client address, and a request with a body its body deadline while it runs", async () => {
    const served = standInBun();
    const app = new Hono<{ Bindings: { remoteAddress?: string } }>();
    app.all("/x", async (c) => {
      served.timeouts.push(-1); // the app runs here
      return c.text(`${c.req.method} ${c.env.remoteAddress} ${c.req.method === "GET" ? "" : await c.req.text()}`);
    });
    await bunTransport(app, limits).listen(listenOptions);
    const fetch = served.options.fetch as Fetch;
    const bunServer = (globalThis as unknown as { Bun: { serve(o: object): unknown } }).Bun.serve(served.options);
    expect(await (await fetch(new Request("http://h/x"), bunServer)).text()).toBe("GET 10.0.0.7 ");
    // No bound while the app answers a request without a body, the idle one after.
    expect(served.timeouts).toEqual([0, -1, 5]);
    expect(await (await fetch(new Request("http://h/x", { method: "PUT", body: "abc" }), bunServer)).text()).toBe("PUT 10.0.0.7 abc");
    expect(served.timeouts).toEqual([0, -1, 5, 255, -1, 5]);
  });

  it("upgrades with only our subprotocol selected, and lets a non-upgrade through", async () => {
    const served = standInBun();
    const transport = bunTransport(new Hono(), limits);
    const app = new Hono();
    app.get("/ws", transport.upgradeWebSocket(() => ({})));
    await bunTransport(app, limits).listen(listenOptions);
    const bunServer = (globalThis as unknown as { Bun: { serve(o: object): unknown } }).Bun.serve(served.options);
    const fetch = served.options.fetch as Fetch;
    const answer = await fetch(new Request("http://h/ws", { headers: { "sec-websocket-protocol": "syncagent.v1, bearer.secret" } }), bunServer);
    expect(answer.status).toBe(200);
    expect(served.upgrades[0]).toMatchObject({ data: { protocol: "syncagent.v1" }, headers: { "Sec-WebSocket-Protocol": "syncagent.v1" } });
    expect(served.timeouts).toEqual([0]); // an upgraded request keeps no HTTP deadline
    await fetch(new Request("http://h/ws"), bunServer);
    expect(served.upgrades[1]?.headers).toBeUndefined();
    served.upgradeResult = false;
    expect((await fetch(new Request("http://h/ws"), bunServer)).status).toBe(404);
    await expect(app.request("/ws")).resolves.toHaveProperty("status", 500);
  });

  it("hands socket events to the route with one context whose raw pings, reads the buffer and hears pongs", async () => {
    const served = standInBun();
    await bunTransport(new Hono(), limits).listen(listenOptions);
    const handlers = served.options.websocket as {
      open(ws: unknown): void;
      message(ws: unknown, m: string | Uint8Array): void;
      close(ws: unknown, code: number, reason: string): void;
      pong(ws: unknown): void;
    };
    const seen: string[] = [];
    const contexts = new Set<WSContext>();
    let pongs = 0;
    const sent: unknown[] = [];
    const ws = {
      readyState: 1,
      sent,
      send: (d: unknown) => void sent.push(d),
      close: (code: number) => void seen.push(`closed ${code}`),
      terminate: () => void seen.push("terminated"),
      ping: () => void seen.push("ping"),
      getBufferedAmount: () => 77,
      data: {
        url: new URL("http://h/ws"),
        protocol: "syncagent.v1",
        events: {
          onOpen: (_e: Event, c: WSContext) => {
            contexts.add(c);
            const raw = c.raw as HeartbeatSocket;
            raw.on("pong", () => void pongs++);
            raw.ping();
            raw.terminate?.();
            seen.push(`buffered ${raw.bufferedAmount} state ${c.readyState}`);
            c.send("hi");
            c.close(1000, "bye");
          },
          onMessage: (e: MessageEvent, c: WSContext) => {
            contexts.add(c);
            if (e.data === "boom") throw new Error("boom");
            if (e.data === "later") return Promise.reject(new Error("later"));
            seen.push(typeof e.data === "string" ? e.data : `bytes ${(e.data as ArrayBuffer).byteLength}`);
          },
          onClose: (e: CloseEvent) => void seen.push(`onClose ${e.code}`),
          onError: (e: Event) => void seen.push(`error ${(e as Event & { error: Error }).error.message}`),
        },
      },
    };
    handlers.open(ws);
    handlers.pong(ws);
    handlers.message(ws, "text");
    handlers.message(ws, new Uint8Array([1, 2, 3, 4]).subarray(1));
    handlers.message(ws, "boom");
    handlers.message(ws, "later");
    await Promise.resolve();
    handlers.close(ws, 1001, "going");
    expect(contexts.size).toBe(1);
    expect(pongs).toBe(1);
    expect(sent).toEqual(["hi"]);
    expect(seen).toEqual(["ping", "terminated", "buffered 77 state 1", "closed 1000", "text", "bytes 3", "error boom", "error later", "onClose 1001"]);
  });

  it("throws a handler's error when the route has no error handler, and ignores events the route does not handle", async () => {
    const served = standInBun();
    await bunTransport(new Hono(), limits).listen(listenOptions);
    const handlers = served.options.websocket as { open(ws: unknown): void; message(ws: unknown, m: string): void; close(ws: unknown, c: number, r: string): void };
    const quiet = { data: { events: {} } };
    handlers.open(quiet);
    handlers.message(quiet, "x");
    handlers.close(quiet, 1000, "");
    const failing = { data: { url: new URL("http://h/"), protocol: "", events: { onOpen: () => { throw new Error("open failed"); } } } };
    expect(() => handlers.open(failing)).toThrow("open failed");
  });
});
