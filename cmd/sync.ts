/**
 * `syncagent sync`: one full pass (as many passes as it takes to settle),
 * then exit 0 when everything is in sync, non-zero with the reason when not
 * (A9). A progress line of the files in transfer on a terminal, a summary
 * at the end, `--json` for scripts.
 */
import process from "node:process";
import type { CommandSpec } from "../lib/cli/command.ts";
import { openAgent } from "../lib/agent/engine/open-agent.ts";
import { renderProgressLine, TransferBoard } from "../lib/agent/progress/transfers.ts";
import { PASSWORD_ENV } from "../lib/agent/keys/open-vault.ts";
import { processTerminal, type Terminal } from "../lib/platform/prompt.ts";
import { explained, homeOf, homeOption, passwordStdinOption, secretsOf } from "./keys.ts";

/** What a sync run did. */
export interface SyncSummary {
  ok: boolean;
  passes: number;
  uploaded: number;
  downloaded: number;
  localChanges: number;
  conflicts: string[];
  failed: Array<{ path: string; error: string }>;
  refused: Array<{ nodeId: string; message: string }>;
  unsyncable: Array<{ path: string; reason: string }>;
  serverBehind: boolean;
  /** The server's tree differs from another machine's checkpoint (C6): the message, naming no file. */
  checkpoint: string | null;
  seconds: number;
}

/**
 * The `sync` command.
 * @param terminal Where secrets are asked (tests pass their own).
 * @returns The command.
 */
export function syncCommand(terminal: () => Terminal = processTerminal): CommandSpec {
  return {
    name: "sync",
    summary: "Sync once, then exit: 0 when everything is in sync",
    description:
      "Runs passes (pull the server's changes, scan the folder, transfer) until nothing is left to do.\n" +
      "Exit code 0: in sync. 1: something could not sync (the summary says what). With --json, prints one JSON object.",
    options: {
      home: homeOption,
      "password-stdin": passwordStdinOption,
      json: { type: "boolean", description: "Print the summary as JSON" },
      retry: { type: "boolean", description: "Try again the changes that failed past their retries (dead letters) now" },
    },
    run: (ctx) =>
      explained(async () => {
        const started = Date.now();
        const json = ctx.values.json === true;
        const board = new TransferBoard();
        const tty = !json && process.stderr.isTTY === true;
        let lastDraw = 0;
        const summary: SyncSummary = { ok: false, passes: 0, uploaded: 0, downloaded: 0, localChanges: 0, conflicts: [], failed: [], refused: [], unsyncable: [], serverBehind: false, checkpoint: null, seconds: 0 };
        const secrets = secretsOf(ctx, terminal);
        const agent = await openAgent({
          paths: homeOf(ctx),
          env: ctx.env,
          readPassword: () => secrets.read({ label: "Master password", env: PASSWORD_ENV }),
          warn: (text) => ctx.err(text + "\n"),
          engine: {
            // A one-shot run publishes its checkpoint when it settles, whatever the interval.
          checkpointEveryMs: 0,
          onBytes: (path, done, total, direction) => {
              board.progress(path, done, total, direction);
              if (tty && Date.now() - lastDraw > 100) {
                lastDraw = Date.now();
                process.stderr.write(`\r\x1b[K${renderProgressLine(board)}`);
              }
            },
            onEvent: (event) => {
              if (event.type === "synced") {
                if (event.direction === "upload") summary.uploaded++;
                else if (event.direction === "download") summary.downloaded++;
                else summary.localChanges++;
              } else if (event.type === "conflict") summary.conflicts.push(event.copyPath);
              else if (event.type === "refused") summary.refused.push({ nodeId: event.refusal.nodeId, message: event.refusal.message });
            },
          },
        });
        try {
          // Run by hand (or by a script): what waits for its retry is tried now; dead letters only with --retry.
          if (ctx.values.retry === true) await agent.engine.failures.retryAll();
          else await agent.engine.failures.retryWaiting();
          const result = await agent.engine.syncUntilSettled();
          summary.passes = result.passes;
          summary.failed = agent.engine.failing.map((f) => ({ path: f.path, error: f.error }));
          summary.unsyncable = result.unsyncable.map((u) => ({ path: u.path, reason: u.reason }));
          summary.serverBehind = agent.engine.serverBehind;
          summary.checkpoint = agent.engine.checkpoints.problem;
          summary.ok = summary.failed.length === 0 && summary.refused.length === 0 && !summary.serverBehind && summary.checkpoint === null && result.actions === 0;
        } finally {
          await agent.engine.close();
        }
        summary.seconds = (Date.now() - started) / 1000;
        if (tty) process.stderr.write("\r\x1b[K");
        if (json) {
          ctx.out(JSON.stringify(summary) + "\n");
        } else {
          ctx.out(`${summary.ok ? "In sync" : "Not fully in sync"}: ${summary.uploaded} sent, ${summary.downloaded} received, ${summary.localChanges} local changes, in ${summary.seconds.toFixed(1)} s\n`);
          for (const c of summary.conflicts) ctx.out(`conflict: your version was kept as ${c}\n`);
          for (const f of summary.failed) ctx.out(`failed: ${f.path}: ${f.error}\n`);
          for (const r of summary.refused) ctx.out(`refused from the server (integrity): node ${r.nodeId}: ${r.message}\n`);
          for (const u of summary.unsyncable) ctx.out(`cannot sync here: ${u.path}: ${u.reason}\n`);
          if (summary.checkpoint) ctx.out(`${summary.checkpoint}. Nothing was changed here; see README 'Troubleshooting'.\n`);
          if (summary.serverBehind) ctx.out("The server's files are older than what this machine saw: it was probably restored from an old backup. See README 'Troubleshooting'.\n");
        }
        return summary.ok ? 0 : 1;
      }),
  };
}
