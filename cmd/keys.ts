/**
 * The key commands of a machine (C3, C4, C7): `init`, `unlock`, `lock`,
 * `recover`, `change-password`, `export-key`, `import-key`. Each works on one
 * agent home (`--home`, SYNCAGENT_HOME). Secrets come from a prompt without
 * echo, from standard input (`--password-stdin`, one line per secret) or
 * from environment variables, never from flags. The logic lives in
 * lib/agent/keys; this file parses, asks and prints.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import type { CommandContext, CommandSpec, OptionSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { formatFingerprint } from "../lib/crypto/mod.ts";
import { serverErrorCode, serverErrorMessage } from "../lib/agent/client/enrol.ts";
import { ServerError, type HttpTarget } from "../lib/agent/client/http.ts";
import { hasKeys, readAgentConfig, writePrivateFile, type AgentConfig, type KeyStoreKind } from "../lib/agent/home/config.ts";
import { defaultMachineName } from "../lib/agent/home/machine-name.ts";
import { DEFAULT_HOME, DEFAULT_SYNC_FOLDER, expandPath, homePaths, type HomePaths } from "../lib/agent/home/paths.ts";
import { registerHome } from "../lib/agent/home/register-home.ts";
import { readMachineToken } from "../lib/agent/home/token.ts";
import { FILE_STORE_WARNING } from "../lib/agent/keys/file-key-store.ts";
import { initVault } from "../lib/agent/keys/init-vault.ts";
import { importKeyFile, keyFileText, parseKeyFileInput } from "../lib/agent/keys/key-file-transfer.ts";
import { readLocalKeyFile } from "../lib/agent/keys/local-key-file.ts";
import { changeMasterPassword, recoverWithKey } from "../lib/agent/keys/replace-key-file.ts";
import { PASSWORD_ENV } from "../lib/agent/keys/open-vault.ts";
import { forgetRootKey, rememberRootKey } from "../lib/agent/keys/remember-key.ts";
import { unlockMachine, type UnlockResult } from "../lib/agent/keys/unlock.ts";
import { processTerminal, SecretReader, type Terminal } from "../lib/platform/prompt.ts";

/** Environment variable holding the new password of `change-password` and `recover`. */
export const NEW_PASSWORD_ENV = "SYNCAGENT_NEW_PASSWORD";
/** Environment variable holding the recovery key of `recover`. */
export const RECOVERY_KEY_ENV = "SYNCAGENT_RECOVERY_KEY";

/** Shortest and longest master password accepted for a new one. */
export const PASSWORD_LIMITS = { min: 12, max: 1024 } as const;

/** `--home`: every agent command works on one home. */
export const homeOption: OptionSpec = {
  type: "string",
  description: "Agent home folder (config, token, key file)",
  env: "SYNCAGENT_HOME",
  default: DEFAULT_HOME,
  valueName: "DIR",
};

/** `--password-stdin`. */
export const passwordStdinOption: OptionSpec = {
  type: "boolean",
  description: `Read the password from the first line of standard input (else ${PASSWORD_ENV}, else a prompt)`,
};

/** `--key-store`. */
export const keyStoreOption: OptionSpec = {
  type: "string",
  description: "Where the unlocked key is kept: keyring (default), file (a 0600 file in the home) or none",
  valueName: "STORE",
};

/** Options shared with `register`: where the machine registers when `init` registers first. */
export const registrationOptions: Record<string, OptionSpec> = {
  server: { type: "string", description: "Server URL, http(s)://host:port", env: "SYNCAGENT_SERVER", valueName: "URL" },
  invite: { type: "string", description: "Invitation code from the dashboard or 'syncagent server invite'", env: "SYNCAGENT_INVITE", valueName: "CODE" },
  name: { type: "string", description: "Machine name (default: the host name)", valueName: "NAME" },
  "sync-folder": { type: "string", description: "Folder to keep in sync", env: "SYNCAGENT_SYNC_FOLDER", default: DEFAULT_SYNC_FOLDER, valueName: "DIR" },
};

/** Makes the terminal a command reads secrets from (tests pass their own). */
export type TerminalFactory = () => Terminal;

/**
 * The home a command works on.
 * @param ctx The command context.
 * @returns Its files.
 */
export function homeOf(ctx: CommandContext): HomePaths {
  const home = typeof ctx.values.home === "string" && ctx.values.home !== "" ? ctx.values.home : DEFAULT_HOME;
  return homePaths(home);
}

/**
 * The secret reader of a command run.
 * @param ctx The command context.
 * @param terminal The terminal factory.
 * @returns The reader.
 */
export function secretsOf(ctx: CommandContext, terminal: TerminalFactory): SecretReader {
  return new SecretReader(terminal(), { fromStdin: ctx.values["password-stdin"] === true, env: ctx.env });
}

/**
 * The `--key-store` choice.
 * @param ctx The command context.
 * @returns The store, or undefined when not given.
 * @throws UsageError for an unknown store.
 */
export function keyStoreOf(ctx: CommandContext): KeyStoreKind | undefined {
  const value = ctx.values["key-store"];
  if (value === undefined || value === "") return undefined;
  if (value === "keyring" || value === "file" || value === "none") return value;
  throw new UsageError(`Unknown key store '${String(value)}': use keyring, file or none`);
}

/**
 * Where and as whom the machine talks to its server.
 * @param paths The home's files.
 * @param config The config.
 * @returns The target.
 */
export async function targetOf(paths: HomePaths, config: AgentConfig): Promise<HttpTarget> {
  return { serverUrl: config.serverUrl, token: await readMachineToken(paths) };
}

/**
 * Reads a new master password, twice on a terminal, and checks its length.
 * @param secrets The reader.
 * @param label The prompt.
 * @param env The variable it may come from.
 * @returns The password.
 * @throws UsageError when it is too short or too long.
 */
export async function readNewPassword(secrets: SecretReader, label: string, env: string): Promise<string> {
  const password = await secrets.read({ label, env, confirm: true });
  if (password.length < PASSWORD_LIMITS.min || password.length > PASSWORD_LIMITS.max) {
    throw new UsageError(`The master password must have ${PASSWORD_LIMITS.min} to ${PASSWORD_LIMITS.max} characters`);
  }
  return password;
}

/**
 * Runs a command body, turning server errors into their readable message.
 * @param body The command body.
 * @returns The body's exit code.
 */
export async function explained(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ServerError) throw new Error(`${serverErrorMessage(error)} (${serverErrorCode(error)})`);
    throw error;
  }
}

/**
 * Describes where the key went after an unlock.
 * @param result The unlock's outcome.
 * @param home The home, for the next steps.
 * @returns Lines to print.
 */
export function describeUnlock(result: UnlockResult, home: string): string {
  const lines: string[] = [];
  if (result.offline) lines.push("The server could not be reached: the password was checked against this machine's copy of the key file.");
  if (result.firstOpen) {
    lines.push(`Vault fingerprint: ${formatFingerprint(result.vault.fingerprint)}`);
    lines.push("Compare it with the fingerprint the first machine printed at 'syncagent init' (or 'syncagent up'): they must be equal.");
  }
  switch (result.config.keyStore) {
    case "keyring":
      lines.push("Unlocked: the key is kept in the OS keyring.");
      break;
    case "file":
      lines.push(`Unlocked: the key is kept in ${homePaths(home).keyStoreFile}.`, FILE_STORE_WARNING);
      break;
    case "none":
      lines.push(`Password checked; no key is kept (key store 'none'): the agent needs the password at every start (${PASSWORD_ENV}, --password-stdin or a systemd credential).`);
      break;
  }
  return lines.join("\n") + "\n";
}

async function registerFirst(ctx: CommandContext, paths: HomePaths): Promise<AgentConfig> {
  const server = ctx.values.server;
  const invite = ctx.values.invite;
  if (typeof server !== "string" || typeof invite !== "string") throw new UsageError("To register first, give both --server URL and --invite CODE");
  const config = await registerHome({
    paths,
    serverUrl: server,
    invitation: invite,
    name: typeof ctx.values.name === "string" ? ctx.values.name : defaultMachineName(hostname()),
    syncFolder: String(ctx.values["sync-folder"] ?? DEFAULT_SYNC_FOLDER),
  });
  ctx.out(`Registered as '${config.machineName}' with ${config.serverUrl}.\n`);
  return config;
}

async function runInit(ctx: CommandContext, terminal: TerminalFactory): Promise<number> {
  const paths = homeOf(ctx);
  const secrets = secretsOf(ctx, terminal);
  const registering = !existsSync(paths.config) && (typeof ctx.values.server === "string" || typeof ctx.values.invite === "string");
  if (!registering) await readAgentConfig(paths.config); // fails early, naming the register command
  const password = await readNewPassword(secrets, "Create master password", PASSWORD_ENV);
  let config = registering ? await registerFirst(ctx, paths) : await readAgentConfig(paths.config);
  const target = await targetOf(paths, config);
  const created = await initVault(paths, config, target, password);
  if (created.outcome === "taken") {
    ctx.out("Another machine created this vault's keys a moment ago: using theirs (its master password is the vault's).\n");
    const result = await unlockMachine({ paths, config, target, password, keyStore: keyStoreOf(ctx) });
    ctx.out(describeUnlock(result, paths.root));
    return 0;
  }
  config = created.config;
  ctx.out(
    "Vault keys created.\n\n" +
      "Recovery key (shown only this once: write it down and keep it somewhere safe and offline;\n" +
      "with it, and only with it, a lost master password can be reset: 'syncagent recover'):\n\n" +
      `    ${created.recoveryKey}\n\n` +
      `Vault fingerprint: ${created.fingerprintText}\n` +
      "(every other machine shows this fingerprint on its first unlock: compare them)\n\n",
  );
  let code = 0;
  try {
    config = await rememberRootKey(paths, config, created.vault, keyStoreOf(ctx) ?? config.keyStore);
    ctx.out(describeUnlock({ vault: created.vault, config, firstOpen: false, offline: false }, paths.root));
  } catch (error) {
    ctx.err(`Not unlocked: ${(error as Error).message}\nThen run: syncagent unlock --home ${paths.root} --key-store file|none\n`);
    code = 1;
  }
  ctx.out(
    "\nNext:\n" +
      `  start the agent:       syncagent agent --home ${paths.root}\n` +
      `  add another machine:   syncagent register --server ${config.serverUrl} --invite <code from the dashboard or 'syncagent server invite'>\n`,
  );
  return code;
}

async function runUnlock(ctx: CommandContext, terminal: TerminalFactory): Promise<number> {
  const paths = homeOf(ctx);
  const config = await readAgentConfig(paths.config);
  const keyStore = keyStoreOf(ctx);
  const password = await secretsOf(ctx, terminal).read({ label: "Master password", env: PASSWORD_ENV });
  const result = await unlockMachine({ paths, config, target: await targetOf(paths, config), password, keyStore });
  ctx.out(describeUnlock(result, paths.root));
  return 0;
}

async function runLock(ctx: CommandContext): Promise<number> {
  const paths = homeOf(ctx);
  const config = await readAgentConfig(paths.config);
  const removed = await forgetRootKey(paths, config);
  ctx.out(removed ? "Locked: the stored key was removed.\n" : `Nothing to remove: no key was stored (key store '${config.keyStore}').\n`);
  return 0;
}

async function runChangePassword(ctx: CommandContext, terminal: TerminalFactory): Promise<number> {
  const paths = homeOf(ctx);
  const config = await readAgentConfig(paths.config);
  if (!hasKeys(config)) throw new Error(`This machine has no vault key yet: run 'syncagent unlock --home ${paths.root}' first`);
  const secrets = secretsOf(ctx, terminal);
  const current = await secrets.read({ label: "Current master password", env: PASSWORD_ENV });
  const next = await readNewPassword(secrets, "New master password", NEW_PASSWORD_ENV);
  const result = await changeMasterPassword(await targetOf(paths, config), paths, config, { current, next });
  ctx.out(
    `Master password changed (key file revision ${result.vault.revision}); no data was re-encrypted.\n` +
      "Other machines pick up the new key file by themselves; unlock them with the new password from now on.\n",
  );
  return 0;
}

async function runRecover(ctx: CommandContext, terminal: TerminalFactory): Promise<number> {
  const paths = homeOf(ctx);
  const config = await readAgentConfig(paths.config);
  const secrets = secretsOf(ctx, terminal);
  const recoveryKey = await secrets.read({ label: "Recovery key", env: RECOVERY_KEY_ENV });
  const newPassword = await readNewPassword(secrets, "New master password", NEW_PASSWORD_ENV);
  const result = await recoverWithKey(await targetOf(paths, config), paths, config, { recoveryKey, newPassword });
  ctx.out(`Master password reset with the recovery key (key file revision ${result.vault.revision}); the recovery key stays valid.\n`);
  if (result.firstOpen) ctx.out(`Vault fingerprint: ${formatFingerprint(result.vault.fingerprint)}\n`);
  try {
    const config2 = await rememberRootKey(paths, result.config, result.vault, keyStoreOf(ctx) ?? result.config.keyStore);
    ctx.out(describeUnlock({ vault: result.vault, config: config2, firstOpen: false, offline: false }, paths.root));
  } catch (error) {
    ctx.err(`Not unlocked: ${(error as Error).message}\nThen run: syncagent unlock --home ${paths.root}\n`);
    return 1;
  }
  return 0;
}

async function runExportKey(ctx: CommandContext): Promise<number> {
  const paths = homeOf(ctx);
  await readAgentConfig(paths.config);
  const keyFile = await readLocalKeyFile(paths);
  if (!keyFile) throw new Error(`This machine has no key file yet: run 'syncagent unlock --home ${paths.root}' first`);
  const out = ctx.values.out;
  if (typeof out === "string" && out !== "" && out !== "-") {
    await writePrivateFile(expandPath(out), keyFile);
    ctx.err(`Key file written to ${expandPath(out)} (mode 0600). It is protected by the master password; keep it private anyway.\n`);
  } else {
    ctx.out(keyFileText(keyFile));
  }
  return 0;
}

async function runImportKey(ctx: CommandContext, terminal: TerminalFactory): Promise<number> {
  const paths = homeOf(ctx);
  const file = ctx.positionals[0];
  if (file === undefined || ctx.positionals.length > 1) throw new UsageError("Give exactly one FILE (the key file, raw or as 'export-key' prints it)");
  const config = await readAgentConfig(paths.config);
  const keyFile = parseKeyFileInput(await readFile(expandPath(file)));
  const password = await secretsOf(ctx, terminal).read({ label: "Master password", env: PASSWORD_ENV });
  const result = await importKeyFile(paths, config, keyFile, password);
  ctx.out(`Key file imported (revision ${result.vault.revision}, fingerprint ${formatFingerprint(result.vault.fingerprint)}).\n`);
  return 0;
}

/**
 * The key commands.
 * @param terminal Where secrets are read. @default the process's terminal
 * @returns `init`, `unlock`, `lock`, `change-password`, `recover`, `export-key`, `import-key`.
 */
export function keyCommands(terminal: TerminalFactory = processTerminal): CommandSpec[] {
  return [
    {
      name: "init",
      summary: "Create the vault's keys on the first machine (master password, recovery key)",
      description:
        "Creates the vault's keys: asks for a new master password (twice), uploads the password-protected key file,\n" +
        "prints the recovery key once and unlocks this machine. The keys bind the vault id the server assigned,\n" +
        "so the machine must be registered first: run 'syncagent register --server URL --invite CODE',\n" +
        "or give --server and --invite here to register and init at once.",
      options: { home: homeOption, ...registrationOptions, "password-stdin": passwordStdinOption, "key-store": keyStoreOption },
      run: (ctx) => explained(() => runInit(ctx, terminal)),
    },
    {
      name: "unlock",
      summary: "Check the master password and keep the vault key on this machine",
      description:
        "Checks the password against the freshest key file and keeps the key in the key store:\n" +
        "  keyring  the OS keyring (default; Secret Service, Keychain, Credential Manager)\n" +
        "  file     a 0600 file in the home: safe from other non-root users, not from root or anyone reading the disk\n" +
        `  none     nothing kept: the agent needs the password at every start (${PASSWORD_ENV}, --password-stdin)\n` +
        "The choice is remembered.",
      options: { home: homeOption, "password-stdin": passwordStdinOption, "key-store": keyStoreOption },
      run: (ctx) => explained(() => runUnlock(ctx, terminal)),
    },
    {
      name: "lock",
      summary: "Remove the vault key kept on this machine",
      options: { home: homeOption },
      run: (ctx) => explained(() => runLock(ctx)),
    },
    {
      name: "change-password",
      summary: "Change the master password (no data is re-encrypted)",
      description:
        "Asks for the current and the new master password (the new one twice). With --password-stdin, the first line\n" +
        `is the current password and the second the new one; else ${PASSWORD_ENV} and ${NEW_PASSWORD_ENV}, else prompts.`,
      options: { home: homeOption, "password-stdin": { ...passwordStdinOption, description: "Read the current password (line 1) and the new one (line 2) from standard input" } },
      run: (ctx) => explained(() => runChangePassword(ctx, terminal)),
    },
    {
      name: "recover",
      summary: "Set a new master password with the recovery key",
      description:
        "For a lost master password: asks for the recovery key 'init' printed and a new password, then unlocks.\n" +
        `With --password-stdin, line 1 is the recovery key and line 2 the new password; else ${RECOVERY_KEY_ENV} and ${NEW_PASSWORD_ENV}.`,
      options: {
        home: homeOption,
        "password-stdin": { ...passwordStdinOption, description: "Read the recovery key (line 1) and the new password (line 2) from standard input" },
        "key-store": keyStoreOption,
      },
      run: (ctx) => explained(() => runRecover(ctx, terminal)),
    },
    {
      name: "export-key",
      summary: "Write the vault's key file (password-protected) to a file or standard output",
      description: "Without --out, prints the key file as base64 text under a header line; with --out, writes its bytes (mode 0600).",
      options: { home: homeOption, out: { type: "string", description: "File to write (mode 0600)", valueName: "FILE" } },
      run: (ctx) => explained(() => runExportKey(ctx)),
    },
    {
      name: "import-key",
      summary: "Check a key file with the master password and keep it on this machine",
      description: "FILE is a key file, raw or as 'export-key' prints it. It must belong to this machine's vault and open with the password.",
      args: "FILE",
      options: { home: homeOption, "password-stdin": passwordStdinOption },
      run: (ctx) => explained(() => runImportKey(ctx, terminal)),
    },
  ];
}
