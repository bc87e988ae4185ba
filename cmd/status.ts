import type { CommandSpec } from "../lib/cli/command.ts";
import { AgentNotRunningError, callControl, ControlError } from "../lib/agent/control/client.ts";
import { formatStatus, type AgentStatus } from "../lib/agent/control/status.ts";
import { formatActivity, type ActivityLine } from "../lib/agent/progress/activity-log.ts";
import { DEFAULT_HOME, expandPath, homePaths } from "../lib/agent/home/paths.ts";

/** Exit code when no agent runs with the home. */
export const EXIT_NOT_RUNNING = 3;

/** `syncagent status`: what the running agent is doing, from its control socket. */
export const statusCommand: CommandSpec = {
  name: "status",
  summary: "Show what the running agent is doing",
  description: "Asks the agent running with this home for its state, queue, transfers, conflicts and failures.\nExit code 3 when no agent runs with this home.",
  options: {
    json: { type: "boolean", description: "Print the status as JSON" },
    activity: { type: "boolean", description: "Print what woke the agent and what its passes did lately (this machine only: it names files)" },
    home: { type: "string", description: "The agent's home folder", env: "SYNCAGENT_HOME", default: DEFAULT_HOME, valueName: "DIR" },
  },
  run: async ({ values, out, err }) => {
    const home = expandPath(typeof values.home === "string" && values.home !== "" ? values.home : DEFAULT_HOME);
    let status: unknown;
    try {
      status = await callControl(homePaths(home).controlSocket, values.activity === true ? "activity" : "status");
    } catch (error) {
      if (error instanceof AgentNotRunningError) {
        err(`syncagent status: No agent is running with home ${home}\n`);
        return EXIT_NOT_RUNNING;
      }
      err(`syncagent status: ${error instanceof ControlError ? "The agent answered: " : ""}${(error as Error).message}\n`);
      return 1;
    }
    if (values.json === true) out(`${JSON.stringify(status, null, 2)}\n`);
    else out(values.activity === true ? formatActivity(status as ActivityLine[]) : formatStatus(status as AgentStatus));
    return 0;
  },
};
