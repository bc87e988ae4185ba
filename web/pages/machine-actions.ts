/**
 * A machine's actions on the Machines page: Sync now, and Pause or Resume
 * (Resume when the machine is paused), with the last command's progress
 * (sent, delivered, acknowledged, failed or expired) beside them.
 */
import { useState } from "preact/hooks";
import { describeCommand, latestCommands, sendCommand, type CommandKind } from "../commands.ts";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";
import type { Machine } from "../live.ts";
import { useStore } from "../store.ts";

/**
 * The buttons and the command's progress.
 * @param props The machine.
 * @returns The actions.
 */
export function MachineActions(props: { machine: Machine }) {
  const m = props.machine;
  const commands = useStore(latestCommands);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const last = commands[m.id];
  const paused = m.status.state === "paused";
  const send = async (kind: CommandKind) => {
    setBusy(true);
    setError("");
    try {
      await sendCommand(m.id, kind);
    } catch (err) {
      setError(`Not sent: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const shown = last ? describeCommand(last) : null;
  return html`<div class="command-actions">
    ${error ? html`<small class="command-state bad" role="alert">${error}</small>`
      : shown ? html`<small class=${`command-state ${shown.tone}`} role="status" data-command=${last?.state}>${shown.text}</small>` : null}
    <button class="ghost" onClick=${() => void send("sync_now")} disabled=${busy || paused} aria-label=${`Sync ${m.name} now`}
      title=${paused ? "Resume the machine first" : "Look for changes now"}><${Icon} name="sync" /><span>Sync now</span></button>
    ${paused
      ? html`<button class="ghost strong" onClick=${() => void send("resume")} disabled=${busy} aria-label=${`Resume ${m.name}`}><${Icon} name="play" /><span>Resume</span></button>`
      : html`<button class="ghost" onClick=${() => void send("pause")} disabled=${busy} aria-label=${`Pause ${m.name}`}><${Icon} name="pause" /><span>Pause</span></button>`}
  </div>`;
}
