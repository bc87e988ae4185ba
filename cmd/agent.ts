import type { CommandSpec } from "../lib/cli/command.ts";

/** `syncagent agent`: the sync engine that runs on each machine (A1–A24). */
export const agentCommand: CommandSpec = {
  name: "agent",
  summary: "Watch the sync folder and keep it in sync with the server",
  options: {
    "sync-folder": {
      type: "string",
      description: "Folder to keep in sync",
      env: "SYNCAGENT_SYNC_FOLDER",
      default: "~/SyncAgent",
      valueName: "DIR",
    },
  },
  run: ({ err }) => {
    err("syncagent agent: the sync agent is not available in this version yet\n");
    return Promise.resolve(1);
  },
};
