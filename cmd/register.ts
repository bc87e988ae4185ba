/**
 * `syncagent register` (A1, A2): enrol this machine with an invitation,
 * write its home (token 0600, config, sync folder) and, when the vault
 * already has keys (a second machine), unlock it with the master password.
 * On the first machine of a vault it prints the next step, `syncagent init`.
 */
import { hostname } from "node:os";
import type { CommandContext, CommandSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { getKeyFile } from "../lib/agent/client/enrol.ts";
import { registerHome } from "../lib/agent/home/register-home.ts";
import { defaultMachineName } from "../lib/agent/home/machine-name.ts";
import { PASSWORD_ENV } from "../lib/agent/keys/open-vault.ts";
import { unlockMachine } from "../lib/agent/keys/unlock.ts";
import { NoSecretError, processTerminal } from "../lib/platform/prompt.ts";
import {
  describeUnlock,
  explained,
  homeOf,
  homeOption,
  keyStoreOf,
  keyStoreOption,
  passwordStdinOption,
  registrationOptions,
  secretsOf,
  targetOf,
  type TerminalFactory,
} from "./keys.ts";

async function runRegister(ctx: CommandContext, terminal: TerminalFactory): Promise<number> {
  const paths = homeOf(ctx);
  const server = ctx.values.server;
  const invite = ctx.values.invite;
  if (typeof server !== "string" || server === "") throw new UsageError("Missing --server URL");
  if (typeof invite !== "string" || invite === "") throw new UsageError("Missing --invite CODE (from the dashboard or 'syncagent server invite')");
  const keyStore = keyStoreOf(ctx);
  let config = await registerHome({
    paths,
    serverUrl: server,
    invitation: invite,
    name: typeof ctx.values.name === "string" ? ctx.values.name : defaultMachineName(hostname()),
    syncFolder: String(ctx.values["sync-folder"]),
  });
  ctx.out(`Registered as '${config.machineName}' with ${config.serverUrl}; sync folder ${config.syncFolder}.\n`);
  const target = await targetOf(paths, config);
  if (!(await getKeyFile(target))) {
    ctx.out(`This is the vault's first machine. Next: syncagent init --home ${paths.root}\n`);
    return 0;
  }
  let password: string;
  try {
    password = await secretsOf(ctx, terminal).read({ label: "Master password", env: PASSWORD_ENV });
  } catch (error) {
    if (!(error instanceof NoSecretError)) throw error;
    ctx.out(`This vault already has keys. Next: syncagent unlock --home ${paths.root}\n`);
    return 0;
  }
  try {
    const result = await unlockMachine({ paths, config, target, password, keyStore });
    config = result.config;
    ctx.out(describeUnlock(result, paths.root));
  } catch (error) {
    ctx.err(`Registered, but not unlocked: ${(error as Error).message}\nThen run: syncagent unlock --home ${paths.root}\n`);
    return 1;
  }
  ctx.out(`Next: syncagent agent --home ${paths.root}\n`);
  return 0;
}

/**
 * The `register` command.
 * @param terminal Where secrets are read. @default the process's terminal
 * @returns The command.
 */
export function registerCommand(terminal: TerminalFactory = processTerminal): CommandSpec {
  return {
    name: "register",
    summary: "Register this machine with a server using an invitation code",
    description:
      "Registers this machine (name: the host name unless --name), writes the agent home and creates the sync folder.\n" +
      "On the vault's first machine, run 'syncagent init' next. On any other, the master password is asked\n" +
      `(or read with --password-stdin or from ${PASSWORD_ENV}) to unlock it, and the vault fingerprint is shown to\n` +
      "compare with the first machine's. A lost answer is retried safely: rerunning the same command resumes it.",
    options: { home: homeOption, ...registrationOptions, "password-stdin": passwordStdinOption, "key-store": keyStoreOption },
    run: (ctx) => explained(() => runRegister(ctx, terminal)),
  };
}
