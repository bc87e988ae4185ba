/**
 * The agent's local control socket: a Unix socket in the agent's home
 * (mode 0600, in a 0700 folder), or a named pipe on Windows. One agent per
 * home: a socket someone answers on means another agent runs; a socket no
 * one answers on is a leftover of a crash and is replaced.
 *
 * Protocol: one JSON request per line, `{"id":1,"method":"status"}` (or
 * `activity`, `sync_now`, `pause`, `resume`), one
 * answer per line, `{"id":1,"result":…}` or `{"id":1,"error":"…"}`.
 * Requests are bounded (64 KiB).
 */
import { chmod, lstat, mkdir, unlink } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { LineSplitter, LineTooLongError } from "./lines.ts";
import { isNamedPipe } from "./socket-path.ts";

/** What the control socket can be asked to do besides `status`. */
export type ControlCommand = "sync_now" | "pause" | "resume";

/** The agent's side of the control socket. */
export interface ControlHandlers {
  /** The agent's status (an `AgentStatus`, or a promise of one). */
  status: () => unknown;
  /** The agent's recent activity (`ActivityLine[]`); absent: not kept. */
  activity?: () => unknown;
  /** Carries out a command; absent: commands are refused. */
  command?: (name: ControlCommand) => Promise<unknown>;
}

/** A running control server. */
export interface ControlServer {
  /** Stops listening, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

/** Longest request line, bytes. */
export const MAX_REQUEST_BYTES = 64 * 1024;

const COMMANDS: readonly string[] = ["sync_now", "pause", "resume"];

/** Resolves true when someone accepts a connection at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(true);
    }, 1000);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ECONNREFUSED" || error.code === "ENOENT") resolve(false);
      else reject(new Error(`Cannot check the control socket at ${path}: ${error.message}`));
    });
  });
}

async function answer(handlers: ControlHandlers, line: string): Promise<object> {
  let request: { id?: unknown; method?: unknown; params?: unknown };
  try {
    request = JSON.parse(line) as typeof request;
  } catch {
    return { id: null, error: "Invalid request: not JSON" };
  }
  if (request === null || typeof request !== "object") return { id: null, error: "Invalid request: not an object" };
  const id = typeof request.id === "number" || typeof request.id === "string" ? request.id : null;
  try {
    if (request.method === "status") return { id, result: (await handlers.status()) ?? null };
    if (request.method === "activity") {
      if (!handlers.activity) return { id, error: "Not supported by this agent: activity" };
      return { id, result: (await handlers.activity()) ?? null };
    }
    if (typeof request.method === "string" && COMMANDS.includes(request.method)) {
      if (!handlers.command) return { id, error: `Not supported by this agent: ${request.method}` };
      return { id, result: (await handlers.command(request.method as ControlCommand)) ?? null };
    }
    return { id, error: `Unknown method: ${typeof request.method === "string" ? request.method.slice(0, 64) : String(request.method)}` };
  } catch (error) {
    return { id, error: error instanceof Error ? error.message : String(error) };
  }
}

function serve(handlers: ControlHandlers, socket: Socket): void {
  const lines = new LineSplitter(MAX_REQUEST_BYTES);
  let queue = Promise.resolve();
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    let found: string[];
    try {
      found = lines.push(chunk);
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      socket.end(`${JSON.stringify({ id: null, error: error.message })}\n`);
      socket.removeAllListeners("data");
      return;
    }
    for (const line of found) {
      // Answers leave in the order the requests came.
      queue = queue.then(async () => {
        const reply = await answer(handlers, line);
        if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
      });
    }
  });
}

/**
 * Starts the control socket.
 * @param path The socket path (`homePaths(home).controlSocket`).
 * @param handlers The agent's answers.
 * @returns The running server.
 * @throws Error when another agent answers on `path`, or the path is something else than a socket.
 */
export async function startControlServer(path: string, handlers: ControlHandlers): Promise<ControlServer> {
  const pipe = isNamedPipe(path);
  if (!pipe) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  if (await answers(path)) throw new Error(`Another agent runs with this home (its control socket ${path} answers)`);
  if (!pipe) {
    const existing = await lstat(path).catch(() => null);
    if (existing && !existing.isSocket()) throw new Error(`Cannot start the control socket: ${path} exists and is not a socket`);
    if (existing) await unlink(path);
  }
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    serve(handlers, socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (!pipe) await chmod(path, 0o600);
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await closed;
      if (!pipe) await unlink(path).catch(() => undefined);
    },
  };
}
