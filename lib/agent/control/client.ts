/**
 * The client side of the control socket: one request, one answer.
 */
import { createConnection } from "node:net";
import { dirname } from "node:path";
import { LineSplitter } from "./lines.ts";
import { isNamedPipe } from "./socket-path.ts";

/** No agent listens on the control socket. */
export class AgentNotRunningError extends Error {
  override name = "AgentNotRunningError";
  /**
   * @param path The control socket path that nothing answered on.
   */
  constructor(readonly path: string) {
    super(`No agent is running with home ${isNamedPipe(path) ? path : dirname(path)}`);
  }
}

/** The agent answered with an error. */
export class ControlError extends Error {
  override name = "ControlError";
}

/** Longest answer read, bytes. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * Calls one method of a running agent.
 * @param path The control socket path (`homePaths(home).controlSocket`).
 * @param method `status`, `sync_now`, `pause` or `resume`.
 * @param params Parameters, when the method takes any.
 * @param timeoutMs How long to wait for the answer.
 * @returns The method's result.
 * @throws AgentNotRunningError when nothing listens; ControlError for the agent's error; Error on a timeout or a broken answer.
 */
export function callControl(path: string, method: string, params?: unknown, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const lines = new LineSplitter(MAX_ANSWER_BYTES);
    let settled = false;
    const finish = (error: Error | null, result?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(new Error(`The agent did not answer in ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", () => socket.write(`${JSON.stringify({ id: 1, method, ...(params === undefined ? {} : { params }) })}\n`));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") finish(new AgentNotRunningError(path));
      else finish(new Error(`Cannot talk to the agent: ${error.message}`));
    });
    socket.on("end", () => finish(new Error("The agent closed the connection without answering")));
    socket.on("data", (chunk: Buffer) => {
      let line: string | undefined;
      try {
        line = lines.push(chunk)[0];
      } catch (error) {
        return finish(error as Error);
      }
      if (line === undefined) return;
      let reply: { result?: unknown; error?: unknown };
      try {
        reply = JSON.parse(line) as typeof reply;
      } catch {
        return finish(new Error("The agent answered something that is not JSON"));
      }
      if (typeof reply.error === "string") finish(new ControlError(reply.error));
      else finish(null, reply.result);
    });
  });
}
