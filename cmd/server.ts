import type { CommandSpec } from "../lib/cli/command.ts";

/** `syncagent server`: the HTTP + WebSocket API, chunk storage and dashboard (S1–S11). */
export const serverCommand: CommandSpec = {
  name: "server",
  summary: "Run the sync server (API, chunk storage, dashboard)",
  run: ({ err }) => {
    err("syncagent server: not available yet\n");
    return Promise.resolve(1);
  },
};
