/**
 * The vault's machines for the pages: the live socket's snapshot and
 * reports, refreshed from `GET /api/machines` when the vault's change feed
 * says machines changed (a rename, a removal, a registration).
 */
import { api } from "./api.ts";
import { liveMachines, onLive, type Machine } from "./live.ts";

/**
 * Reloads the machines into the live store.
 * @returns The machines.
 */
export async function reloadMachines(): Promise<Machine[]> {
  const { machines } = await api<{ machines: Machine[] }>("/api/machines");
  liveMachines.set(machines);
  return machines;
}

let timer: ReturnType<typeof setTimeout> | undefined;
onLive((message) => {
  if (message.type !== "changes" && message.type !== "changed") return;
  if (message.type === "changes" && !message.events.some((e) => e.type.startsWith("Machine") || e.type.startsWith("Invitation"))) return;
  clearTimeout(timer);
  timer = setTimeout(() => void reloadMachines().catch(() => undefined), 100);
});
