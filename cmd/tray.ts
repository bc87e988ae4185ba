import type { CommandSpec } from "../lib/cli/command.ts";

/** `syncagent tray`: the desktop status icon (D2). */
export const trayCommand: CommandSpec = {
  name: "tray",
  summary: "Show the desktop status icon and menu",
  run: ({ err }) => {
    err("syncagent tray: the desktop tray is not available in this version yet\n");
    return Promise.resolve(1);
  },
};
