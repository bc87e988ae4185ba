/**
 * Commands to machines (sync now, pause, resume): sent from the dashboard,
 * then followed live until the agent answers. The command events of the
 * vault's change feed say when to read a machine's commands again; a
 * command still unanswered is also read again now and then (every few
 * seconds while the socket is down).
 */
import { api } from "./api.ts";
import { liveState, onLive } from "./live.ts";
import { store } from "./store.ts";

/** What can be asked of a machine. */
export type CommandKind = "sync_now" | "pause" | "resume";

/** A command as the server keeps it (docs/api.md). */
export interface Command {
  commandId: string;
  machineId: string;
  kind: CommandKind;
  state: "pending" | "acknowledged" | "expired";
  issuedAt: number;
  expiresAt: number;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  ok: boolean | null;
  message: string | null;
}

/** The newest command sent to each machine, by machine id. */
export const latestCommands = store<Record<string, Command>>({});

/** How often a pending command is read again: the live feed down, and up. */
const POLL_MS = { down: 3000, up: 30_000 };
let poll: ReturnType<typeof setTimeout> | undefined;

function remember(command: Command): void {
  const current = latestCommands.get()[command.machineId];
  if (current && current.commandId !== command.commandId && current.issuedAt > command.issuedAt) return;
  latestCommands.set({ ...latestCommands.get(), [command.machineId]: command });
  schedulePoll();
}

function schedulePoll(): void {
  clearTimeout(poll);
  const waiting = Object.values(latestCommands.get()).filter((c) => c.state === "pending");
  if (waiting.length === 0) return;
  poll = setTimeout(() => {
    for (const c of waiting) void refreshCommands(c.machineId).catch(() => undefined);
  }, liveState.get() === "open" ? POLL_MS.up : POLL_MS.down);
}

/**
 * Sends a command to a machine.
 * @param machineId The machine.
 * @param kind What to ask.
 * @returns The command as recorded (pending).
 */
export async function sendCommand(machineId: string, kind: CommandKind): Promise<Command> {
  const command = await api<Command>(`/api/machines/${machineId}/commands`, { method: "POST", body: { kind } });
  remember(command);
  return command;
}

/**
 * Reads a machine's newest command again from the server.
 * @param machineId The machine.
 * @returns The newest command, if any.
 */
export async function refreshCommands(machineId: string): Promise<Command | undefined> {
  const { commands } = await api<{ commands: Command[] }>(`/api/machines/${machineId}/commands?limit=1`);
  const newest = commands[0];
  if (newest) remember(newest);
  return newest;
}

/**
 * A command's progress in a few words.
 * @param command The command.
 * @returns The text and its tone.
 */
export function describeCommand(command: Command): { text: string; tone: "busy" | "ok" | "bad" | "warn" } {
  const what = command.kind === "sync_now" ? "Sync now" : command.kind === "pause" ? "Pause" : "Resume";
  if (command.state === "expired") return { text: `${what}: expired unanswered`, tone: "warn" };
  if (command.state === "pending") return { text: `${what}: ${command.deliveredAt ? "delivered, waiting for the machine" : "sent"}`, tone: "busy" };
  if (command.ok === false) return { text: `${what}: failed${command.message ? ` (${command.message})` : ""}`, tone: "bad" };
  return { text: `${what}: acknowledged`, tone: "ok" };
}

liveState.subscribe(schedulePoll);
onLive((message) => {
  if (message.type !== "changes") return;
  const machines = new Set<string>();
  for (const event of message.events) {
    if (!event.type.startsWith("MachineCommand")) continue;
    const machineId = (event.payload as { machineId?: unknown } | undefined)?.machineId;
    if (typeof machineId === "string") machines.add(machineId);
  }
  for (const id of machines) void refreshCommands(id).catch(() => undefined);
});
