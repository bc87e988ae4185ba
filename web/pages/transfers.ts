/**
 * Live transfers: per machine the file in transfer with a progress bar
 * (its name decrypted in the tab when unlocked), the speed, how far behind
 * the server it is, the files it holds in sync and the storage they use;
 * above them the queue across machines. A compact bar for the Machines
 * page too.
 */
import { useEffect, useState } from "preact/hooks";
import { formatBytes, formatSpeed } from "../format.ts";
import { html } from "../html.ts";
import { liveMachines, type Machine } from "../live.ts";
import { nodeName } from "../node-names.ts";
import { useStore } from "../store.ts";
import { activeTransfers, liveTransfers, percentDone, TRANSFER_STALE_MS, type Transfer } from "../transfers-data.ts";
import { vaultState } from "../vault.ts";
import { MachineActions } from "./machine-actions.ts";

function FileName(props: { nodeId: string | null }) {
  const vault = useStore(vaultState);
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    setName(null);
    if (props.nodeId) void nodeName(props.nodeId).then(setName);
  }, [props.nodeId, vault.state]);
  if (name) return html`<span class="truncate strong" title=${name}>${name}</span>`;
  return html`<span class="muted">${props.nodeId && vault.state !== "unlocked" ? "A file (unlock to see its name)" : "A file"}</span>`;
}

function Bar(props: { transfer: Transfer; label: string }) {
  const pct = percentDone(props.transfer);
  return html`<div class="progress" role="progressbar" aria-label=${props.label} aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}>
    <div class="progress-bar" style=${{ width: `${pct}%` }}></div></div>`;
}

/** Re-renders every few seconds so transfers without news end on time. */
function useTicking(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TRANSFER_STALE_MS / 3);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function behindText(m: Machine): string {
  if (m.status.behind === null) return "Position not reported yet";
  if (m.status.behind <= 0) return "Caught up with the server";
  return `${m.status.behind} change${m.status.behind === 1 ? "" : "s"} behind the server`;
}

/**
 * A machine's transfer as one line and a bar (the Machines page).
 * @param props The machine.
 * @returns The bar, or nothing when nothing transfers.
 */
export function CompactTransfer(props: { machine: Machine }) {
  const transfers = useStore(liveTransfers);
  const now = useTicking();
  const t = activeTransfers(transfers, now).find((x) => x.machineId === props.machine.id);
  if (!t) return null;
  return html`<div class="compact-transfer"><small class="muted">${t.direction === "download" ? "Downloading" : "Uploading"} ${percentDone(t)} % · ${formatSpeed(t.speedBps)}</small>
    <${Bar} transfer=${t} label=${`${props.machine.name}: transfer`} /></div>`;
}

/**
 * Every machine's transfers and position (the Activity page).
 * @returns The section.
 */
export function Transfers() {
  const machines = useStore(liveMachines) ?? [];
  const transfers = useStore(liveTransfers);
  const now = useTicking();
  const active = activeTransfers(transfers, now);
  const queued = machines.reduce((n, m) => n + (m.status.state === "offline" ? 0 : (m.status.filesPending ?? 0)), 0);
  const summary = active.length === 0 && queued === 0
    ? "Nothing is transferring right now."
    : `${active.length} transfer${active.length === 1 ? "" : "s"} running · ${queued} file${queued === 1 ? "" : "s"} waiting across the machines`;
  return html`<section class="transfers-section" aria-label="Transfers">
    <h2 class="section-title">Transfers</h2>
    <p class="muted queue-summary" role="status">${summary}</p>
    ${machines.length === 0 ? null : html`<ul class="transfers">${machines.map((m) => {
      const t = active.find((x) => x.machineId === m.id);
      const s = m.status;
      return html`<li key=${m.id} class="transfer-card" data-machine=${m.id}>
        <div class="transfer-head"><span class="strong truncate">${m.name}</span>
          <span class=${`state ${s.state}`}><span class=${`dot ${s.state}`}></span>${s.state === "paused" ? "Paused" : s.state === "offline" ? "Offline" : t ? (t.direction === "download" ? "Downloading" : "Uploading") : s.state === "error" ? "Error" : s.state === "syncing" ? "Syncing" : "Up to date"}</span></div>
        ${t ? html`<div class="transfer-file"><${FileName} nodeId=${t.nodeId} />
            <span class="muted num">${formatBytes(t.bytesDone)} of ${formatBytes(t.bytesTotal)} · ${formatSpeed(t.speedBps ?? s.speedBps)}</span></div>
          <${Bar} transfer=${t} label=${`${m.name}: ${t.direction}`} />` : null}
        ${s.state === "error" && s.lastError ? html`<p class="error-text transfer-error">${s.lastError}</p>` : null}
        ${s.state === "paused" ? html`<div class="transfer-paused"><span class="muted">Paused: nothing syncs on this machine until it resumes.</span><${MachineActions} machine=${m} /></div>` : null}
        <dl class="transfer-facts">
          <div><dt>Position</dt><dd>${behindText(m)}</dd></div>
          <div><dt>Waiting</dt><dd>${s.filesPending ?? 0} file${s.filesPending === 1 ? "" : "s"}</dd></div>
          <div><dt>In sync</dt><dd>${s.filesSynced ?? "—"} file${s.filesSynced === 1 ? "" : "s"}</dd></div>
          <div><dt>Storage</dt><dd>${s.bytesStored === null ? "—" : formatBytes(s.bytesStored)}</dd></div>
        </dl>
      </li>`;
    })}</ul>`}
  </section>`;
}
