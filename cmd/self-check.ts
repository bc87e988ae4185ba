import type { CommandSpec } from "../lib/cli/command.ts";

/** `syncagent self-check`: runs the crypto and storage self-tests of this build. */
export const selfCheckCommand: CommandSpec = {
  name: "self-check",
  summary: "Check that this build's cryptography and database work on this machine",
  run: ({ err }) => {
    err("syncagent self-check: not available yet\n");
    return Promise.resolve(1);
  },
};
