/**
 * `syncagent reseed`: after the server was restored from an older backup,
 * makes this machine's folder the truth again (C6). See
 * lib/agent/engine/reseed.ts for what it does and README "Troubleshooting".
 */
import type { CommandSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { AgentNotRunningError, callControl } from "../lib/agent/control/client.ts";
import { openAgent } from "../lib/agent/engine/open-agent.ts";
import { reseedFromThisMachine } from "../lib/agent/engine/reseed.ts";
import { PASSWORD_ENV } from "../lib/agent/keys/open-vault.ts";
import { processTerminal, type Terminal } from "../lib/platform/prompt.ts";
import { explained, homeOf, homeOption, passwordStdinOption, secretsOf } from "./keys.ts";

/**
 * The `reseed` command.
 * @param terminal Where secrets are asked.
 * @returns The command.
 */
export function reseedCommand(terminal: () => Terminal = processTerminal): CommandSpec {
  return {
    name: "reseed",
    summary: "Make this machine's folder the truth again after the server was restored from an old backup",
    description:
      "Forgets what this machine saw of the server, reads the server's tree again and commits this folder's files over it:\n" +
      "files the server lost are uploaded again, files deleted here since the backup are deleted there (into its trash),\n" +
      "identical files are kept as they are. Older versions stay in the server's history. Stop the agent of this home first.\n" +
      "Run it on the machine with the newest files first, then on the others.",
    options: { home: homeOption, "password-stdin": passwordStdinOption, yes: { type: "boolean", description: "Do it (required: this replaces the server's files with this folder's)" } },
    run: (ctx) =>
      explained(async () => {
        if (ctx.values.yes !== true) throw new UsageError("reseed replaces the server's files with this folder's: run it again with --yes to go ahead");
        const paths = homeOf(ctx);
        try {
          await callControl(paths.controlSocket, "status", undefined, 1000);
          throw new Error(`An agent is running with home ${paths.root}: stop it first (systemctl --user stop syncagent, or Ctrl-C)`);
        } catch (error) {
          if (!(error instanceof AgentNotRunningError)) throw error;
        }
        const secrets = secretsOf(ctx, terminal);
        const agent = await openAgent({ paths, env: ctx.env, readPassword: () => secrets.read({ label: "Master password", env: PASSWORD_ENV }), warn: (t) => ctx.err(t + "\n") });
        try {
          const result = await reseedFromThisMachine(agent.engine);
          const failing = agent.engine.failing.length;
          ctx.out(`Re-seeded from ${agent.config.syncFolder}: ${result.rebased} files and folders compared with the server, ${result.lost} the server had lost sent again; ${failing === 0 ? "in sync" : `${failing} could not sync (see 'syncagent sync')`}\n`);
          return failing === 0 ? 0 : 1;
        } finally {
          await agent.engine.close();
        }
      }),
  };
}
