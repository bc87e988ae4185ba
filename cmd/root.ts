import { UsageError, type CommandSpec } from "../lib/cli/command.ts";
import { VERSION } from "../lib/version.ts";
import { agentCommand } from "./agent.ts";
import { syncCommand } from "./sync.ts";
import { reseedCommand } from "./reseed.ts";
import { keyCommands } from "./keys.ts";
import { openUrlCommand, registerProtocolCommand, unregisterProtocolCommand } from "./links.ts";
import { registerCommand } from "./register.ts";
import { selfCheckCommand } from "./self-check.ts";
import { serverCommand } from "./server.ts";
import { statusCommand } from "./status.ts";
import { trayCommand } from "./tray.ts";
import { upCommand } from "./up.ts";

/** The `syncagent` command tree. */
export const rootCommand: CommandSpec = {
  name: "syncagent",
  summary: "Zero-knowledge, end-to-end-encrypted file sync through your own server",
  description:
    "SyncAgent keeps a folder in sync between your machines through a server you run.\n" +
    "Files are chunked and encrypted on each machine: the server never sees a key, a file's content or its name.",
  options: {
    version: { type: "boolean", short: "V", description: "Print the version and exit" },
  },
  subcommands: [serverCommand, agentCommand, registerCommand(), ...keyCommands(), syncCommand(), statusCommand, upCommand, reseedCommand(), trayCommand, openUrlCommand, registerProtocolCommand, unregisterProtocolCommand, selfCheckCommand],
  run: ({ values, positionals, out }) => {
    if (positionals.length > 0) {
      throw new UsageError(`Unknown command: '${positionals[0]}'. Commands: server, agent, register, init, unlock, lock, recover, change-password, export-key, import-key, sync, status, reseed, up, tray, open-url, register-protocol, unregister-protocol, self-check`);
    }
    if (values.version === true) {
      out(`syncagent ${VERSION}\n`);
      return Promise.resolve(0);
    }
    throw new UsageError("Missing command");
  },
};
