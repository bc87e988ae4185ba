import process from "node:process";
import type { CommandContext, CommandSpec } from "../lib/cli/command.ts";
import { closeServerContext, openServerContext } from "../lib/server/bootstrap.ts";
import { startServer } from "../lib/server/serve.ts";
import { startMaintenance } from "../lib/server/maintenance.ts";
import { join } from "node:path";
import { adminExists } from "../lib/server/accounts/accounts.ts";
import { inviteCommand, setupAdminCommand } from "./server-admin.ts";
import { isLoopback } from "../lib/server/http/loopback.ts";
import { maintenanceCommands } from "./server-maintenance.ts";
import { configOf, serverOptions } from "./server-options.ts";
import { displayDatabaseUrl } from "../lib/db/display-url.ts";

export { configOf, serverOptions } from "./server-options.ts";

/** Server sub-commands; each command group file adds its own entries here. */
export const subcommands: CommandSpec[] = [setupAdminCommand, inviteCommand, ...maintenanceCommands];

/** `syncagent server`: the HTTP + WebSocket API, chunk storage and dashboard (S1–S11). */
export const serverCommand: CommandSpec = {
  name: "server",
  summary: "Run the sync server (API, chunk storage, dashboard)",
  description:
    "Run the sync server: the HTTP and WebSocket API, the chunk store and the dashboard.\n" +
    "Every option can also be set by its environment variable or in the --config JSON file\n" +
    "(flag, then variable, then file, then default).",
  options: serverOptions,
  subcommands,
  run: runServer,
};

async function runServer(cmd: CommandContext): Promise<number> {
  if (cmd.positionals.length > 0) {
    cmd.err(`syncagent server: unknown command '${cmd.positionals[0]}'. Commands: ${subcommands.map((s) => s.name).join(", ")}\n`);
    return 2;
  }
  const config = await configOf(cmd);
  const ctx = await openServerContext(config);
  let running;
  try {
    running = await startServer(ctx);
  } catch (error) {
    await closeServerContext(ctx);
    throw new Error(`Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { cause: error });
  }
  const stopMaintenance = startMaintenance(ctx);
  const where =
    config.storage.kind === "local" ? `local folder ${config.storage.dir}` : `s3://${config.storage.bucket}/${config.storage.prefix} @ ${config.storage.endpoint}`;
  cmd.out(
    `SyncAgent server listening on ${running.url}\n` +
      `  Dashboard: ${config.publicUrl ?? running.url}/\n` +
      `  Metadata:  ${displayDatabaseUrl(config.databaseUrl)}\n` +
      `  Chunks:    ${ctx.store.location ? `${ctx.store.kind} ${ctx.store.location}` : where}\n` +
      `  Logs:      ${config.logFile} (and stdout)\n`,
  );
  if (!(await adminExists(ctx.db))) {
    const token = isLoopback(config.host) ? "" : ` (it asks for the setup token in ${join(config.dataDir, "setup-token")})`;
    cmd.out(`  Next:      open the dashboard to create the admin account${token},\n             or run 'syncagent server setup-admin'\n`);
  }
  ctx.logger.info({ url: running.url, storage: ctx.store.kind }, "server started");
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  ctx.logger.info({ signal }, "server stopping");
  stopMaintenance();
  await running.close();
  await closeServerContext(ctx);
  return 0;
}
