/**
 * `syncfile://` links on this machine (W6, D1): `open-url` follows one to the
 * file in the synced folder and opens it (or shows it in its folder);
 * `register-protocol` / `unregister-protocol` make this program the
 * desktop's handler of such links.
 */
import type { CommandSpec } from "../lib/cli/command.ts";
import { UsageError } from "../lib/cli/command.ts";
import { readAgentConfig } from "../lib/agent/home/config.ts";
import { resolveLink } from "../lib/agent/links/resolve-link.ts";
import { LinkError, parseSyncfileUrl } from "../lib/agent/links/syncfile-url.ts";
import { openPath, runsWhenOpened } from "../lib/platform/open-path.ts";
import { setProtocolHandler } from "../lib/platform/protocol-handler.ts";
import { selfCommand } from "../lib/runtime/self-command.ts";
import { homeOf, homeOption } from "./keys.ts";

/** Exit code of a link that cannot be followed (malformed, another vault, not here). */
export const EXIT_BAD_LINK = 4;

/** `syncagent open-url LINK`. */
export const openUrlCommand: CommandSpec = {
  name: "open-url",
  summary: "Open the file a syncfile:// link names, from this machine's synced folder",
  description:
    "Follows a syncfile:// link (as the dashboard gives them) to the file on this machine and opens it with the\n" +
    "desktop's default application. A file that opening would run (executable, or a launcher type) is only shown\n" +
    "in its folder. SYNCAGENT_OPENER names another program to open with. Exit code 4 for a link that cannot be followed.",
  args: "LINK",
  options: {
    home: homeOption,
    reveal: { type: "boolean", description: "Show the file in its folder instead of opening it" },
    print: { type: "boolean", description: "Print the path and open nothing" },
  },
  run: async (ctx) => {
    const [url, ...extra] = ctx.positionals;
    if (url === undefined || extra.length > 0) throw new UsageError("Give exactly one syncfile:// link");
    const paths = homeOf(ctx);
    try {
      const link = parseSyncfileUrl(url);
      const config = await readAgentConfig(paths.config);
      const target = await resolveLink(link, { vaultId: config.vaultId, syncFolder: config.syncFolder, stateDb: paths.stateDb });
      if (ctx.values.print === true) {
        ctx.out(`${target.path}\n`);
        return 0;
      }
      const reveal = ctx.values.reveal === true || runsWhenOpened(target.path, target.mode, target.kind);
      if (reveal && ctx.values.reveal !== true) ctx.err(`syncagent open-url: ${target.segments.join("/")} could run a program when opened: showing it in its folder instead\n`);
      await openPath(target.path, { reveal, opener: ctx.env.SYNCAGENT_OPENER });
      return 0;
    } catch (error) {
      if (error instanceof LinkError) {
        ctx.err(`syncagent open-url: ${error.message}\n`);
        return EXIT_BAD_LINK;
      }
      throw error;
    }
  },
};

function protocolCommand(remove: boolean): CommandSpec {
  return {
    name: remove ? "unregister-protocol" : "register-protocol",
    summary: remove ? "Stop handling syncfile:// links" : "Make this program open syncfile:// links on this desktop",
    options: { home: homeOption },
    run: async (ctx) => {
      const paths = homeOf(ctx);
      const done = await setProtocolHandler({ command: selfCommand(), home: paths.root, env: ctx.env, remove });
      ctx.out(`${remove ? "syncfile:// links are no longer handled here" : `syncfile:// links now open with this agent (home ${paths.root})`}: ${done.files.join(", ")}\n`);
      return 0;
    },
  };
}

/** `syncagent register-protocol`. */
export const registerProtocolCommand = protocolCommand(false);
/** `syncagent unregister-protocol`. */
export const unregisterProtocolCommand = protocolCommand(true);
