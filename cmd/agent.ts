/**
 * `syncagent agent`: the long-running sync engine of one machine (A1–A19),
 * what the systemd/launchd unit runs. Stops cleanly on SIGINT and SIGTERM.
 */
import { waitForStopSignal } from "../lib/runtime/stop-signal.ts";
import type { CommandSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { AgentRuntime } from "../lib/agent/engine/agent-runtime.ts";
import { PASSWORD_ENV } from "../lib/agent/keys/open-vault.ts";
import { processTerminal, type Terminal } from "../lib/platform/prompt.ts";
import { explained, homeOf, homeOption, passwordStdinOption, secretsOf } from "./keys.ts";

/**
 * Parses `--delay` (seconds, ≥ 0).
 * @param value The option value.
 * @returns Milliseconds.
 * @throws UsageError for anything else.
 */
export function parseDelay(value: unknown): number {
  const text = typeof value === "string" ? value : "3";
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) throw new UsageError(`--delay must be a number of seconds from 0 to 3600, got '${text}'`);
  return Math.round(seconds * 1000);
}

/**
 * The `agent` command.
 * @param terminal Where secrets are asked.
 * @param until Resolves when the agent should stop. @default SIGINT or SIGTERM
 * @returns The command.
 */
export function agentCommandWith(terminal: () => Terminal = processTerminal, until?: () => Promise<void>): CommandSpec {
  return {
    name: "agent",
    summary: "Watch the sync folder and keep it in sync with the server",
    description:
      "Runs until stopped: syncs local changes after the watcher settles and the delay passes, applies the server's changes as they\n" +
      "arrive, scans the whole folder every 5 minutes, and answers 'syncagent status' on a local socket.",
    options: {
      home: homeOption,
      "password-stdin": passwordStdinOption,
      delay: { type: "string", description: "Seconds to wait after a local change settles before syncing (0: at once)", env: "SYNCAGENT_DELAY", default: "3", valueName: "SECONDS" },
    },
    run: (ctx) =>
      explained(async () => {
        const delayMs = parseDelay(ctx.values.delay);
        const secrets = secretsOf(ctx, terminal);
        const paths = homeOf(ctx);
        const runtime = await AgentRuntime.start(
          { paths, env: ctx.env, readPassword: () => secrets.read({ label: "Master password", env: PASSWORD_ENV }), warn: (text) => ctx.err(text + "\n") },
          { delayMs, log: (line) => ctx.err(`${new Date().toISOString()} ${line}\n`) },
        );
        ctx.err(`syncagent agent: syncing ${runtime.engine.root} (status: syncagent status --home ${paths.root})\n`);
        await (until ?? waitForStopSignal)();
        await runtime.close();
        return 0;
      }),
  };
}

/** `syncagent agent` as the CLI runs it. */
export const agentCommand: CommandSpec = agentCommandWith();
