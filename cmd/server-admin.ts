/**
 * `syncagent server setup-admin` and `syncagent server invite`: the
 * scriptable twins of the setup wizard and of the dashboard's invitation
 * button (S3, W1, W5). They open the server's database directly, so they
 * work while the server runs or not.
 */
import type { Client } from "@libsql/client";
import { join } from "node:path";
import process from "node:process";
import type { CommandContext, CommandSpec, OptionSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { openDatabase } from "../lib/server/db/open.ts";
import { str } from "../lib/db/row.ts";
import { loadServerConfig } from "../lib/server/load-config.ts";
import { AdminExistsError, createAdmin } from "../lib/server/accounts/accounts.ts";
import { DEFAULT_WEB_SECURITY } from "../lib/server/auth/deps.ts";
import { createInvitation } from "../lib/server/invitations/invitations.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../lib/server/accounts/password.ts";
import { usernameSchema } from "../lib/server/accounts/setup-routes.ts";
import { removeSetupToken } from "../lib/server/accounts/setup-token.ts";
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";

/** Environment variable a script may pass the admin password in. */
export const ADMIN_PASSWORD_ENV = "SYNCAGENT_ADMIN_PASSWORD";

/** Where the database is: the same resolution as `syncagent server`. */
const databaseOptions: Record<string, OptionSpec> = {
  config: { type: "string", description: "JSON config file", env: "SYNCAGENT_CONFIG", valueName: "FILE" },
  "data-dir": { type: "string", description: "Data directory of the server", env: "SYNCAGENT_DATA_DIR", valueName: "DIR" },
  "database-url": { type: "string", description: "Metadata database URL", env: "SYNCAGENT_DATABASE_URL", valueName: "URL" },
};

async function openServerDatabase(ctx: CommandContext): Promise<{ db: Client; dataDir: string }> {
  const config = await loadServerConfig(ctx.values, ctx.env);
  const db = await openDatabase(
    config.databaseAuthToken ? { url: config.databaseUrl, authToken: config.databaseAuthToken } : { url: config.databaseUrl },
  );
  return { db, dataDir: config.dataDir };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError(`Pipe the password on standard input or set ${ADMIN_PASSWORD_ENV}; it is never taken as a flag`);
  }
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8").replace(/\r?\n$/, "");
}

/**
 * Runs `setup-admin`: creates the admin from a password given on stdin or
 * in {@link ADMIN_PASSWORD_ENV}.
 * @param ctx The command context.
 * @param readPassword Reads the password when the variable is unset. @default standard input
 * @returns The exit code.
 */
export async function runSetupAdmin(ctx: CommandContext, readPassword: () => Promise<string> = readStdin): Promise<number> {
  const username = usernameSchema.safeParse(ctx.values.username ?? "admin");
  if (!username.success) throw new UsageError("Invalid user name: use letters, digits, '.', '-', '_' or '@'");
  const password = ctx.env[ADMIN_PASSWORD_ENV] || (await readPassword());
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new UsageError(`The password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  const { db, dataDir } = await openServerDatabase(ctx);
  try {
    const admin = await createAdmin(db, { username: username.data, password }, Date.now(), { actor: "cli", correlationId: randomUUID() });
    await removeSetupToken(join(dataDir, "setup-token"));
    ctx.out(`Admin '${admin.username}' created. Log in to the dashboard with this name and password.\n`);
    return 0;
  } catch (error) {
    if (error instanceof AdminExistsError) {
      ctx.err("syncagent server setup-admin: an admin already exists\n");
      return 1;
    }
    throw error;
  } finally {
    db.close();
  }
}

/**
 * Runs `invite`: prints a new invitation code on standard output (alone on
 * its line, for scripts) and its expiry on standard error.
 * @param ctx The command context.
 * @returns The exit code.
 */
export async function runInvite(ctx: CommandContext): Promise<number> {
  const { db } = await openServerDatabase(ctx);
  try {
    const owner = await db.execute(
      `SELECT u.account_id, (SELECT v.id FROM vaults v WHERE v.account_id = u.account_id ORDER BY v.created_at LIMIT 1) AS vault_id
       FROM users u WHERE u.is_admin = 1 ORDER BY u.created_at LIMIT 1`,
    );
    const row = owner.rows[0];
    if (!row) {
      ctx.err("syncagent server invite: no admin yet; run 'syncagent server setup-admin' or open the dashboard first\n");
      return 1;
    }
    const invitation = await createInvitation(
      db,
      { accountId: str(row.account_id), vaultId: str(row.vault_id), createdBy: "cli" },
      Date.now(),
      DEFAULT_WEB_SECURITY.invitationTtlMs,
      { actor: "cli", correlationId: randomUUID() },
    );
    ctx.out(`${invitation.code}\n`);
    ctx.err(`Single-use invitation, valid until ${new Date(invitation.expiresAt).toISOString()}.\n` +
      "Register a machine with: syncagent register --server <this server's URL> --invite <code>\n");
    return 0;
  } finally {
    db.close();
  }
}

/** `syncagent server setup-admin`. */
export const setupAdminCommand: CommandSpec = {
  name: "setup-admin",
  summary: "Create the admin account (password on stdin or in SYNCAGENT_ADMIN_PASSWORD)",
  description:
    "Create the admin account without the dashboard wizard, for scripts.\n" +
    `The password is read from standard input, or from ${ADMIN_PASSWORD_ENV}; never from a flag,\n` +
    "so it does not show in the process list or shell history. Fails if an admin exists.",
  options: {
    ...databaseOptions,
    username: { type: "string", description: "Admin user name", env: "SYNCAGENT_ADMIN_USER", default: "admin", valueName: "NAME" },
  },
  run: (ctx) => runSetupAdmin(ctx),
};

/** `syncagent server invite`. */
export const inviteCommand: CommandSpec = {
  name: "invite",
  summary: "Print a single-use machine invitation (valid 24 h)",
  description:
    "Create a single-use invitation and print its code on standard output.\n" +
    "A new machine registers with it; it expires after 24 hours and carries no key.",
  options: databaseOptions,
  run: (ctx) => runInvite(ctx),
};
