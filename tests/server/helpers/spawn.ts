/**
 * Runs `syncagent` as a child process, as users do: one Node process with
 * the tsx loader (`node --import tsx main.ts …`), so a signal sent to the
 * child reaches the server itself, not a wrapper.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const NODE_ARGS = ["--import", "tsx", "main.ts"];

/** A `syncagent server` child that printed its URL. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed on stdout so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) when the child ends. */
  exited: Promise<number | string>;
}

/**
 * Starts `syncagent server` and waits until it prints where it listens.
 * @param args Arguments after `server`.
 * @param env Extra environment.
 * @returns The running child.
 */
export function spawnServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, "server", ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`Server did not start: ${out}${err}`)), 30_000);
    const onData = (): void => {
      const match = /listening on (https?:\/\/[^\s]+)/.exec(out);
      if (!match?.[1]) return;
      clearTimeout(deadline);
      child.stdout?.off("data", onData);
      resolve({ child, url: match[1], output: () => out, exited });
    };
    child.stdout?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(deadline);
      reject(new Error(`Server exited (${code}) before listening: ${out}${err}`));
    });
  });
}

/**
 * Runs `syncagent <args>` to completion.
 * @param args The arguments.
 * @param env Extra environment.
 * @returns Exit code and output.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
