/**
 * `syncagent up` (A1, C4, C7): the server with its settings and this
 * machine's agent on its sync folder, in one process — what `npm start`
 * runs. The first run sets everything up: the dashboard admin, this machine
 * (registered with an invitation), the vault's keys (the recovery key is
 * printed once), and prints how a second machine joins. Without a terminal
 * and without the passwords in the environment, the server runs alone and
 * says how to finish. Later runs just start both. Stops on SIGINT/SIGTERM.
 */
import { waitForStopSignal } from "../lib/runtime/stop-signal.ts";
import type { Client } from "@libsql/client";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { CommandContext, CommandSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { str } from "../lib/db/row.ts";
import { hasKeys, readAgentConfig, writeAgentConfig, type AgentConfig } from "../lib/agent/home/config.ts";
import { defaultMachineName } from "../lib/agent/home/machine-name.ts";
import { DEFAULT_SYNC_FOLDER, type HomePaths } from "../lib/agent/home/paths.ts";
import { registerHome } from "../lib/agent/home/register-home.ts";
import { AgentRuntime } from "../lib/agent/engine/agent-runtime.ts";
import { PASSWORD_ENV } from "../lib/agent/keys/open-vault.ts";
import { chooseKeyStore, setUpMachineKeys } from "../lib/agent/up/first-keys.ts";
import { ADMIN_PASSWORD_VARIABLE, joinLaterText, joinText, recoveryKeyText, runningText, serverAloneText } from "../lib/agent/up/messages.ts";
import { upUrls, type UpUrls } from "../lib/agent/up/urls.ts";
import { processTerminal, SecretReader, type Terminal } from "../lib/platform/prompt.ts";
import { AdminExistsError, adminExists, createAdmin } from "../lib/server/accounts/accounts.ts";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../lib/server/accounts/password.ts";
import { usernameSchema } from "../lib/server/accounts/setup-routes.ts";
import { removeSetupToken } from "../lib/server/accounts/setup-token.ts";
import { DEFAULT_WEB_SECURITY } from "../lib/server/auth/deps.ts";
import { closeServerContext, openServerContext } from "../lib/server/bootstrap.ts";
import type { ServerConfig } from "../lib/server/config.ts";
import type { ServerContext } from "../lib/server/context.ts";
import { isLoopback } from "../lib/server/http/loopback.ts";
import { createInvitation } from "../lib/server/invitations/invitations.ts";
import { startMaintenance } from "../lib/server/maintenance.ts";
import { startServer, type RunningServer } from "../lib/server/serve.ts";
import { getVaultKey } from "../lib/server/vault-key/vault-key.ts";
import { parseDelay } from "./agent.ts";
import { explained, homeOf, homeOption, keyStoreOf, readNewPassword, targetOf } from "./keys.ts";
import { configOf, serverOptions } from "./server-options.ts";

/** The server and its maintenance, started in this process. */
interface LocalServer {
  ctx: ServerContext;
  running: RunningServer;
  urls: UpUrls;
  stop(): Promise<void>;
}

async function startLocalServer(config: ServerConfig): Promise<LocalServer> {
  // The server's JSON log goes to its file only: this terminal shows what `up` has to say.
  const ctx = await openServerContext(config, { stdout: false });
  let running: RunningServer;
  try {
    running = await startServer(ctx);
  } catch (error) {
    await closeServerContext(ctx);
    throw new Error(`Cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, { cause: error });
  }
  const stopMaintenance = startMaintenance(ctx);
  ctx.logger.info({ url: running.url, storage: ctx.store.kind }, "server started by 'up'");
  const urls = upUrls({
    host: config.host,
    port: running.port,
    url: running.url,
    tls: config.tlsCertFile !== undefined,
    hostname: hostname(),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
  });
  return {
    ctx,
    running,
    urls,
    stop: async () => {
      ctx.logger.info("server stopping");
      stopMaintenance();
      await running.close();
      await closeServerContext(ctx);
    },
  };
}

/** The admin's account and first vault, where invitations are made. */
async function adminVault(db: Client): Promise<{ accountId: string; vaultId: string } | null> {
  const result = await db.execute(
    `SELECT u.account_id, (SELECT v.id FROM vaults v WHERE v.account_id = u.account_id ORDER BY v.created_at LIMIT 1) AS vault_id
     FROM users u WHERE u.is_admin = 1 ORDER BY u.created_at LIMIT 1`,
  );
  const row = result.rows[0];
  return row && row.vault_id !== null ? { accountId: str(row.account_id), vaultId: str(row.vault_id) } : null;
}

async function invitationFor(ctx: ServerContext): Promise<{ code: string; expiresAt: number }> {
  const owner = await adminVault(ctx.db);
  if (!owner) throw new Error("The server has no admin account yet");
  return createInvitation(ctx.db, { ...owner, createdBy: "cli" }, Date.now(), DEFAULT_WEB_SECURITY.invitationTtlMs, { actor: "cli", correlationId: randomUUID() });
}

async function machineKnown(db: Client, machineId: string): Promise<boolean> {
  const result = await db.execute({ sql: "SELECT 1 FROM machines WHERE id = ? AND revoked_at IS NULL", args: [machineId] });
  return result.rows.length > 0;
}

/**
 * A home this server registered follows the server when its port or
 * address changed between runs; a home registered elsewhere is left alone.
 */
async function followServer(server: LocalServer, paths: HomePaths, config: AgentConfig, say: (text: string) => void): Promise<AgentConfig> {
  if (config.serverUrl === server.urls.local || !(await machineKnown(server.ctx.db, config.machineId))) return config;
  const next = { ...config, serverUrl: server.urls.local };
  await writeAgentConfig(paths.config, next);
  say(`This machine's agent now talks to ${next.serverUrl} (it was ${config.serverUrl}).\n`);
  return next;
}

/** What the first run did, for the summary. */
interface SetUp {
  config: AgentConfig;
  /** The master password, kept in memory for the agent's start (key store `none`). */
  password: string;
  adminUser?: string;
}

async function readAdminPassword(secrets: SecretReader): Promise<string> {
  const password = await secrets.read({ label: "Create the dashboard admin password", env: ADMIN_PASSWORD_VARIABLE, confirm: true });
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new UsageError(`The admin password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  return password;
}

/**
 * The first run's steps, each skipped when already done (a run cut short
 * resumes): admin, registration, keys. Every secret is read and checked
 * before anything is created.
 */
async function setUp(cmd: CommandContext, server: LocalServer, paths: HomePaths, secrets: SecretReader, existing: AgentConfig | null): Promise<SetUp> {
  const { ctx } = server;
  const needAdmin = !(await adminExists(ctx.db));
  const username = usernameSchema.safeParse(cmd.values["admin-user"] ?? "admin");
  if (!username.success) throw new UsageError("Invalid admin user name: use letters, digits, '.', '-', '_' or '@'");
  const adminPassword = needAdmin ? await readAdminPassword(secrets) : undefined;
  const vaultId = existing?.vaultId ?? (await adminVault(ctx.db))?.vaultId;
  const vaultHasKeys = vaultId !== undefined && (await getVaultKey(ctx.db, vaultId)) !== null;
  const password = vaultHasKeys
    ? await secrets.read({ label: "Master password of the vault", env: PASSWORD_ENV })
    : await readNewPassword(secrets, "Create the vault's master password", PASSWORD_ENV);

  let adminUser: string | undefined;
  if (adminPassword !== undefined) {
    try {
      const admin = await createAdmin(ctx.db, { username: username.data, password: adminPassword }, Date.now(), { actor: "cli", correlationId: randomUUID() });
      await removeSetupToken(join(ctx.config.dataDir, "setup-token"));
      ctx.logger.info({ userId: admin.userId }, "admin created");
      adminUser = admin.username;
    } catch (error) {
      // Created in the dashboard meanwhile: keep going with that one.
      if (!(error instanceof AdminExistsError)) throw error;
    }
  }
  let config = existing;
  if (!config) {
    const invitation = await invitationFor(ctx);
    config = await registerHome({
      paths,
      serverUrl: server.urls.local,
      invitation: invitation.code,
      name: defaultMachineName(hostname()),
      syncFolder: typeof cmd.values["sync-folder"] === "string" && cmd.values["sync-folder"] !== "" ? cmd.values["sync-folder"] : DEFAULT_SYNC_FOLDER,
    });
    cmd.out(`Registered this machine as '${config.machineName}'; sync folder ${config.syncFolder}.\n`);
  }
  const choice = await chooseKeyStore(paths, config, keyStoreOf(cmd));
  // The file store's warning itself is printed by the agent at each start.
  if (choice.reason) cmd.err(`${choice.reason}: the vault key is kept in a file in the agent home instead.\n`);
  const keys = await setUpMachineKeys(paths, config, await targetOf(paths, config), password, choice.kind, (recoveryKey, fingerprint) =>
    cmd.out(recoveryKeyText(recoveryKey, fingerprint)),
  );
  if (keys.outcome === "unlocked") cmd.out(`Unlocked the vault this server already had (fingerprint ${keys.fingerprintText}).\n`);
  return { config: keys.config, password, ...(adminUser ? { adminUser } : {}) };
}

async function runUp(cmd: CommandContext, terminal: Terminal, until: () => Promise<void>): Promise<number> {
  const delayMs = parseDelay(cmd.values.delay);
  const keyStore = keyStoreOf(cmd);
  const paths = homeOf(cmd);
  const secrets = new SecretReader(terminal, { fromStdin: false, env: cmd.env });
  const server = await startLocalServer(await configOf(cmd));
  const { ctx, urls } = server;
  let runtime: AgentRuntime | undefined;
  try {
    let config = existsSync(paths.config) ? await readAgentConfig(paths.config) : null;
    if (config) config = await followServer(server, paths, config, cmd.out);
    let setUpNow: SetUp | undefined;
    if (!config || !hasKeys(config)) {
      const needAdmin = !(await adminExists(ctx.db));
      const missing = [
        ...(needAdmin && !cmd.env[ADMIN_PASSWORD_VARIABLE] ? [ADMIN_PASSWORD_VARIABLE] : []),
        ...(!cmd.env[PASSWORD_ENV] ? [PASSWORD_ENV] : []),
      ];
      if (!terminal.interactive && missing.length > 0) {
        const setupTokenFile = needAdmin && !isLoopback(ctx.config.host) ? join(ctx.config.dataDir, "setup-token") : undefined;
        cmd.out(serverAloneText({ dashboard: urls.dashboard, needAdmin, missing, ...(setupTokenFile ? { setupTokenFile } : {}) }));
        await until();
        return 0;
      }
      setUpNow = await setUp(cmd, server, paths, secrets, config);
      config = setUpNow.config;
    } else if (keyStore !== undefined && keyStore !== config.keyStore) {
      cmd.err(`The key store was chosen at the first run ('${config.keyStore}'); to change it: syncagent unlock --home ${paths.root} --key-store ${keyStore}\n`);
    }
    const known = setUpNow?.password;
    runtime = await AgentRuntime.start(
      {
        paths,
        env: cmd.env,
        readPassword: () => (known !== undefined ? Promise.resolve(known) : secrets.read({ label: "Master password", env: PASSWORD_ENV })),
        warn: (text) => cmd.err(text + "\n"),
      },
      { delayMs, log: (line) => cmd.err(`${new Date().toISOString()} ${line}\n`) },
    );
    cmd.out(
      runningText({
        dashboard: urls.dashboard,
        ...(setUpNow?.adminUser ? { adminUser: setUpNow.adminUser } : {}),
        syncFolder: runtime.engine.root,
        home: paths.root,
        dataDir: ctx.config.dataDir,
        serverLog: ctx.config.logFile,
      }),
    );
    if (setUpNow) {
      const invitation = await invitationFor(ctx);
      cmd.out(joinText(urls.join, invitation.code, invitation.expiresAt, urls.unreachableNote));
    } else {
      cmd.out(joinLaterText(urls.join, ctx.config.dataDir, urls.unreachableNote));
    }
    cmd.out("\nStop with Ctrl-C.\n");
    await until();
    return 0;
  } finally {
    await runtime?.close();
    await server.stop();
  }
}

/**
 * The `up` command.
 * @param terminal Where the passwords are asked. @default the process's terminal
 * @param until Resolves when everything should stop. @default SIGINT or SIGTERM
 * @returns The command.
 */
export function upCommandWith(terminal: () => Terminal = processTerminal, until: () => Promise<void> = waitForStopSignal): CommandSpec {
  return {
    name: "up",
    summary: "Run the server and this machine's agent together (first run: sets both up)",
    description:
      "Starts the server with its settings (as 'syncagent server') and this machine's agent on its sync folder, in one process.\n" +
      "The first run creates the dashboard admin, registers this machine, creates the vault's keys, prints the recovery\n" +
      "key once and the command another machine runs to join. It asks the admin and master passwords on a terminal, or\n" +
      `reads ${ADMIN_PASSWORD_VARIABLE} and ${PASSWORD_ENV}; without either, the server runs alone and says how to finish.\n` +
      "The vault key is kept in the OS keyring, or in a 0600 file in the agent home when there is none (--key-store).",
    options: {
      config: serverOptions.config!,
      "data-dir": serverOptions["data-dir"]!,
      host: serverOptions.host!,
      port: serverOptions.port!,
      "public-url": serverOptions["public-url"]!,
      home: homeOption,
      "sync-folder": {
        type: "string",
        description: `Folder to keep in sync, set at the first run (default ${DEFAULT_SYNC_FOLDER})`,
        env: "SYNCAGENT_SYNC_FOLDER",
        valueName: "DIR",
      },
      "admin-user": { type: "string", description: "Login name of the dashboard admin the first run creates", env: "SYNCAGENT_ADMIN_USER", default: "admin", valueName: "NAME" },
      "key-store": { type: "string", description: "Where the first run keeps the vault key: keyring (default when available), file or none", valueName: "STORE" },
      delay: { type: "string", description: "Seconds to wait after a local change settles before syncing (0: at once)", env: "SYNCAGENT_DELAY", default: "3", valueName: "SECONDS" },
    },
    run: (ctx) => explained(() => runUp(ctx, terminal(), until)),
  };
}

/** `syncagent up` as the CLI runs it. */
export const upCommand: CommandSpec = upCommandWith();
