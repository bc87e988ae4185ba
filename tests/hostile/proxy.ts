/**
 * A hostile server, built as a real HTTP and WebSocket hop in front of a
 * real one: it forwards everything and, when a rule matches, rewrites the
 * answer (its status and body), cuts it short, or hands it on unchanged.
 * It keeps a log of requests, the bodies of the requests a rule asked to
 * see, and every text message the server sent agents over WebSockets, which
 * it can send again (a replay) between the server's own messages.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { listenHop, rewrittenHeaders } from "../helpers/hop.ts";

/** One request and the server's real answer, as a rule sees them. */
export interface Exchange {
  method: string;
  path: string;
  /** The request body the agent sent. */
  request: Buffer;
  status: number;
  headers: IncomingHttpHeaders;
  /** The server's answer body. */
  body: Buffer;
}

/** What a rule makes of an answer: null keeps it; a body replaces it; `cutAt` sends the headers of the full body and only that many bytes. */
export type Verdict = null | Buffer | { status?: number; body: Buffer; cutAt?: number };

/** A rewriting rule. */
export interface Rule {
  match: (method: string, path: string) => boolean;
  apply: (exchange: Exchange) => Verdict | Promise<Verdict>;
  /** How many answers it changed (a non-null verdict). */
  hits: number;
}

/** A running hostile proxy. */
export interface HostileProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The rules, tried in order: the first that matches decides. */
  rules: Rule[];
  /** Every request forwarded, in order. */
  log: Array<{ method: string; path: string }>;
  /** Text messages the server sent agents over WebSockets, in order. */
  wsMessages: string[];
  /**
   * Adds a rule.
   * @returns The rule (its `hits` count).
   */
  rewrite(match: Rule["match"], apply: Rule["apply"]): Rule;
  /** Removes every rule: the proxy forwards faithfully again. */
  clear(): void;
  /**
   * Sends a text message to every agent's open WebSocket, between two of the server's frames.
   * @returns The number of sockets it went to.
   */
  injectWs(text: string): number;
  /** Requests whose path starts with `prefix` so far. */
  count(prefix: string): number;
  close(): Promise<void>;
}

/** Frames server → agent of one socket: forwarded whole, so an injected frame never splits one. */
class FrameSplitter {
  #buffer = Buffer.alloc(0);
  #handshake = true;
  constructor(
    private readonly out: Socket,
    private readonly onText: (text: string) => void,
  ) {}

  push(piece: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, piece]);
    if (this.#handshake) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      this.out.write(this.#buffer.subarray(0, end + 4));
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#handshake = false;
    }
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      let length = b[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b[1]! & 0x80) at += 4; // a server never masks; tolerated anyway
      if (b.length < at + length) return;
      const frame = b.subarray(0, at + length);
      if ((b[0]! & 0x0f) === 1 && (b[0]! & 0x80) !== 0 && (b[1]! & 0x80) === 0) this.onText(frame.subarray(at).toString("utf8"));
      this.out.write(frame);
      this.#buffer = b.subarray(at + length);
    }
  }

  get open(): boolean {
    return !this.#handshake && !this.out.destroyed;
  }
}

function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const head =
    payload.length < 126
      ? Buffer.from([0x81, payload.length])
      : payload.length < 65536
        ? Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff])
        : (() => {
            const h = Buffer.alloc(10);
            h[0] = 0x81;
            h[1] = 127;
            h.writeBigUInt64BE(BigInt(payload.length), 2);
            return h;
          })();
  return Buffer.concat([head, payload]);
}

/**
 * Starts a hostile proxy on 127.0.0.1 in front of `target`.
 * @param target The real server's URL.
 * @returns The proxy.
 */
export async function startHostileProxy(target: string): Promise<HostileProxy> {
  const upstream = new URL(target);
  const wsOut = new Map<Socket, FrameSplitter>();
  const proxy: HostileProxy = {
    url: "",
    rules: [],
    log: [],
    wsMessages: [],
    rewrite: (match, apply) => {
      const rule: Rule = { match, apply, hits: 0 };
      proxy.rules.push(rule);
      return rule;
    },
    clear: () => void (proxy.rules = []),
    injectWs: (text) => {
      let sent = 0;
      for (const [socket, splitter] of wsOut) {
        if (!splitter.open) continue;
        socket.write(textFrame(text));
        sent++;
      }
      return sent;
    },
    count: (prefix) => proxy.log.filter((r) => r.path.startsWith(prefix)).length,
    close: () => Promise.resolve(),
  };

  const hop = await listenHop(
    target,
    (req, res) => {
      const method = req.method ?? "GET";
      const path = req.url ?? "/";
      proxy.log.push({ method, path });
      const parts: Buffer[] = [];
      req.on("data", (p: Buffer) => parts.push(p));
      req.on("end", () => {
        const sent = Buffer.concat(parts);
        const out = request({ host: upstream.hostname, port: upstream.port, method, path, headers: req.headers }, (answer: IncomingMessage) => {
          const rule = proxy.rules.find((r) => r.match(method, path));
          if (!rule) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const got: Buffer[] = [];
          answer.on("data", (p: Buffer) => got.push(p));
          answer.on("end", () => {
            const exchange: Exchange = { method, path, request: sent, status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(got) };
            void Promise.resolve(rule.apply(exchange)).then(
              (verdict) => {
                if (verdict !== null) rule.hits++;
                const v = verdict === null ? { body: exchange.body } : Buffer.isBuffer(verdict) ? { body: verdict } : verdict;
                const headers = rewrittenHeaders(answer.headers, v.body.length);
                delete headers.etag;
                if (v.status !== undefined && v.status !== exchange.status) headers["content-type"] = "application/json";
                res.writeHead(v.status ?? exchange.status, headers);
                if ("cutAt" in v && v.cutAt !== undefined) {
                  res.write(v.body.subarray(0, v.cutAt), () => res.socket?.destroy());
                  return;
                }
                res.end(v.body);
              },
              () => res.socket?.destroy(),
            );
          });
        });
        out.on("error", () => res.destroy());
        out.end(sent);
      });
    },
    (req) => {
      proxy.log.push({ method: "UPGRADE", path: req.url ?? "/" });
      return {
        // No compression: the proxy reads the server's frames as they are.
        dropHeader: (name) => name === "sec-websocket-extensions",
        forward: (up, socket) => {
          const splitter = new FrameSplitter(socket, (text) => proxy.wsMessages.push(text));
          wsOut.set(socket, splitter);
          up.on("data", (p: Buffer) => splitter.push(p));
        },
        onClose: (socket) => void wsOut.delete(socket),
      };
    },
  );
  proxy.url = hop.url;
  proxy.close = hop.close;
  return proxy;
}
