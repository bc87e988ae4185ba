/**
 * Runs the agent's key commands in-process, as the CLI would, with
 * standard input fed from a list of lines and no terminal to prompt on.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { CommandSpec } from "../../../lib/cli/command.ts";
import { runCli } from "../../../lib/cli/run.ts";
import type { Terminal } from "../../../lib/platform/prompt.ts";
import { keyCommands } from "../../../cmd/keys.ts";
import { registerCommand } from "../../../cmd/register.ts";
import { syncCommand } from "../../../cmd/sync.ts";
import { reseedCommand } from "../../../cmd/reseed.ts";
import type { TestServer } from "../../helpers/server.ts";

/** What one run printed and returned. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `syncagent <argv>` with the key commands and `sync`.
 * @param argv Arguments after `syncagent`.
 * @param options `stdin` lines (each ends with a newline) and extra environment.
 * @returns Exit code and output.
 */
export async function runAgentCli(argv: string[], options: { stdin?: string[]; env?: Record<string, string> } = {}): Promise<CliRun> {
  const terminal = (): Terminal => ({
    stdin: Readable.from((options.stdin ?? []).map((line) => line + "\n")),
    interactive: false,
    promptHidden: () => Promise.reject(new Error("no terminal in tests")),
  });
  const root: CommandSpec = { name: "syncagent", summary: "test", subcommands: [registerCommand(terminal), ...keyCommands(terminal), syncCommand(terminal), reseedCommand(terminal)] };
  let out = "";
  let err = "";
  const code = await runCli(root, argv, { env: options.env ?? {}, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/**
 * Makes an invitation code as the admin.
 * @param server The test server.
 * @returns The code.
 */
export async function invite(server: TestServer): Promise<string> {
  const res = await server.adminFetch("/api/invitations", { method: "POST" });
  if (res.status !== 201) throw new Error(`Invitation failed: ${res.status}`);
  return ((await res.json()) as { code: string }).code;
}

/** A temp folder holding agent homes and sync folders, removed by `cleanup`. */
export interface Scratch {
  dir: string;
  /** A fresh home path (not created). */
  home(name: string): string;
  /** A fresh sync folder path (not created). */
  folder(name: string): string;
  cleanup(): Promise<void>;
}

/**
 * Creates a scratch folder.
 * @returns The scratch folder.
 */
export async function scratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), "syncagent-keys-"));
  return {
    dir,
    home: (name) => join(dir, `home-${name}`),
    folder: (name) => join(dir, `sync-${name}`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A master password long enough for `init`. */
export const PASSWORD = "a long master password";
