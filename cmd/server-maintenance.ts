import type { CommandContext, CommandSpec, OptionSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { closeServerContext, openServerContext } from "../lib/server/bootstrap.ts";
import type { ServerContext } from "../lib/server/context.ts";
import { checkConsistency } from "../lib/server/files/consistency.ts";
import { purgeTrash } from "../lib/server/files/purge.ts";
import { rebuildProjections } from "../lib/server/files/rebuild.ts";
import { trimChangeLog } from "../lib/server/files/retention.ts";
import { configOf, serverOptions } from "./server-options.ts";

async function withContext(cmd: CommandContext, fn: (ctx: ServerContext) => Promise<number>): Promise<number> {
  const ctx = await openServerContext(await configOf(cmd), { stdout: false });
  try {
    return await fn(ctx);
  } finally {
    await closeServerContext(ctx);
  }
}

function days(raw: string | boolean | undefined, fallback: number, name: string): number {
  if (typeof raw !== "string" || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`Invalid ${name}: '${raw}' (a number of days ≥ 0)`);
  return value;
}

const olderThan: Record<string, OptionSpec> = {
  "older-than-days": { type: "string", description: "Only entries older than this many days (default: the retention)", valueName: "N" },
};

/** `syncagent server purge-trash`: purge the trash now (S5). */
export const purgeTrashCommand: CommandSpec = {
  name: "purge-trash",
  summary: "Delete trash entries past the retention and the chunks only they used",
  options: { ...serverOptions, ...olderThan },
  run: (cmd) =>
    withContext(cmd, async (ctx) => {
      const olderThanDays = days(cmd.values["older-than-days"], ctx.config.trashRetentionDays, "--older-than-days");
      const r = await purgeTrash(ctx, { olderThanDays, reason: "cli" });
      cmd.out(`Purged ${r.entriesPurged} trash entr${r.entriesPurged === 1 ? "y" : "ies"} older than ${olderThanDays} days; ` +
        `removed ${r.chunksDeleted} chunk(s), ${r.bytesFreed} bytes\n`);
      return 0;
    }),
};

/** `syncagent server rebuild-projections`: replay the log into the read models (E3). */
export const rebuildCommand: CommandSpec = {
  name: "rebuild-projections",
  summary: "Rebuild the tree, versions, trash, chunk references and statistics from the events",
  options: serverOptions,
  run: (cmd) =>
    withContext(cmd, async (ctx) => {
      const r = await rebuildProjections(ctx);
      cmd.out(`Rebuilt projections from ${r.eventsApplied} event(s) in ${r.ms} ms; ${r.deadLettered} dead-lettered\n`);
      return r.deadLettered > 0 ? 1 : 0;
    }),
};

/** `syncagent server clean-log`: remove change-log entries past the retention (S7). */
export const cleanLogCommand: CommandSpec = {
  name: "clean-log",
  summary: "Remove change-log entries past the retention (older cursors must resync)",
  options: { ...serverOptions, ...olderThan },
  run: (cmd) =>
    withContext(cmd, async (ctx) => {
      const olderThanDays = days(cmd.values["older-than-days"], ctx.config.changeRetentionDays, "--older-than-days");
      const r = await trimChangeLog(ctx, { olderThanDays });
      cmd.out(`Removed ${r.eventsTrimmed} change-log entr${r.eventsTrimmed === 1 ? "y" : "ies"} older than ${olderThanDays} days\n`);
      return 0;
    }),
};

/** `syncagent server check`: verify database and chunk store against each other. */
export const checkCommand: CommandSpec = {
  name: "check",
  summary: "Check that projections match the events and every recorded chunk is readable",
  options: { ...serverOptions, deep: { type: "boolean", description: "Also read every chunk and verify its SHA-256" } },
  run: (cmd) =>
    withContext(cmd, async (ctx) => {
      const report = await checkConsistency(ctx.db, ctx.store, { deep: cmd.values.deep === true });
      const { events, versions, chunks } = report.counts;
      if (report.ok) {
        cmd.out(`OK: ${events} event(s), ${versions} version(s), ${chunks} chunk(s) consistent\n`);
        return 0;
      }
      cmd.err(`Found ${report.problems.length} problem(s):\n${report.problems.map((p) => `  - ${p}\n`).join("")}`);
      return 1;
    }),
};

/** The maintenance sub-commands of `syncagent server`. */
export const maintenanceCommands: CommandSpec[] = [purgeTrashCommand, rebuildCommand, cleanLogCommand, checkCommand];
