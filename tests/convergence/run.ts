/**
 * One convergence run: a seeded schedule of operations and faults played on
 * three agents and a server, then quiescence, then every invariant checked.
 * Returns the violations and the schedule's log (printed on failure with the
 * seed, so the run can be replayed).
 */
import { waitFor } from "../helpers/wait.ts";
import { applyOp, type Written } from "./apply.ts";
import type { Keyring } from "../../lib/crypto/keyring.ts";
import { keyringOf, noSettledContentLost, recordSettled, serverContentHashes, type SettledContent } from "./history.ts";
import { startCluster, type Cluster } from "./cluster.ts";
import { baseMatchesDisk, conflictCopies, convergence, mustSurvive, noDataLost, noTempFiles, unaskedDeletions, unaskedNodes, type AppliedOp } from "./invariants.ts";
import { historyLines, serverHistory } from "./server-history.ts";
import { readAgentConfig } from "../../lib/agent/home/config.ts";
import { describeStep, makeSchedule, type ScheduleOptions } from "./schedule.ts";
import { contentLines, readSyncedBase, rulesOf, snapshotFolder, syncedPart, syncs, type Snapshot } from "./snapshot.ts";

/** How a run went. */
export interface RunResult {
  seed: number;
  violations: string[];
  log: string[];
  /** Milliseconds from the last fault to every agent idle and in agreement. */
  settleMs: number | null;
  steps: number;
}

/** Options of {@link runSeed}. */
export interface RunOptions extends Partial<ScheduleOptions> {
  /** Longest wait for quiescence once the faults stop, ms (the liveness bound). @default 180000 */
  settleTimeoutMs?: number;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function syncedParts(cluster: Cluster): Promise<Snapshot[]> {
  return Promise.all(cluster.agents.map(async (a) => syncedPart(await snapshotFolder(a.home.folder), await rulesOf(a.home.folder))));
}

/**
 * Whether a folder walk failed because an entry went away or changed kind under it.
 * @param error What the walk threw.
 * @returns True for ENOENT and ENOTDIR.
 */
function changedUnderWalk(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Waits until every agent is idle, connected, with nothing queued or in
 * transfer, and all synced parts agree, twice in a row.
 * @param cluster The cluster.
 * @param timeoutMs Deadline.
 * @returns Milliseconds it took.
 */
export async function quiesce(cluster: Cluster, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let previous = "";
  await waitFor(
    "every agent idle and in agreement",
    async () => {
      const statuses = await cluster.statuses();
      const calm = statuses.every((s) => s !== null && s.state === "idle" && s.connected && s.queue === 0 && s.transfers.length === 0);
      if (!calm) {
        previous = "";
        return false;
      }
      let parts: Snapshot[];
      try {
        parts = await syncedParts(cluster);
      } catch (error) {
        // An agent started a pass between its status and the walk of its folder (a move the feed just brought):
        // not quiet yet, look again.
        if (changedUnderWalk(error)) {
          previous = "";
          return false;
        }
        throw error;
      }
      const key = parts.map((p) => contentLines(p).join("\n")).join("\n--\n");
      const agreed = parts.every((p) => contentLines(p).join("\n") === contentLines(parts[0]!).join("\n"));
      const stable = agreed && key === previous;
      previous = agreed ? key : "";
      return stable;
    },
    timeoutMs,
  );
  return Math.round(performance.now() - started);
}

/**
 * Plays one seed.
 * @param seed The seed.
 * @param options Steps, agents, fault rates, the liveness bound.
 * @returns Violations and the log.
 */
export async function runSeed(seed: number, options: RunOptions = {}): Promise<RunResult> {
  const agents = options.agents ?? 3;
  const schedule = makeSchedule(seed, { agents, steps: options.steps ?? 40, ...options });
  const log: string[] = [`seed ${seed}: ${schedule.length} steps on ${agents} agents`];
  const violations: string[] = [];
  const written: Written[] = [];
  const applied: AppliedOp[] = [];
  let settleMs: number | null = null;
  const cluster = await startCluster(agents);
  /** Contents the machines agreed on at each settle point, by SHA-256 (checked against the end). */
  const settled = new Map<string, SettledContent>();
  let keyring: Keyring | undefined;
  const keys = async (): Promise<Keyring> => (keyring ??= await keyringOf(cluster.agents[0]!.home));
  try {
    const downUntil = new Map<number, number>();
    const networkUp = (agent: number) => {
      cluster.agents[agent]!.proxy.down = false;
      downUntil.delete(agent);
    };
    for (let i = 0; i < schedule.length; i++) {
      const step = schedule[i]!;
      for (const [agent, until] of downUntil) if (i >= until) networkUp(agent);
      let line = `${i} ${describeStep(step)}`;
      if (step.at === "agent") {
        const at = Date.now();
        const r = await applyOp(cluster.agents[step.agent]!.home.folder, step.op, i, step.agent);
        applied.push({ step: i, agent: step.agent, op: step.op, skipped: r.skipped, at });
        written.push(...r.written);
        if (r.skipped) line += ` (skipped: ${r.skipped})`;
      } else if (step.at === "settle") {
        for (const agent of [...downUntil.keys()]) networkUp(agent);
        try {
          line += ` (${await quiesce(cluster, 60_000)} ms)`;
          const first = cluster.agents[0]!.home;
          await recordSettled(await keys(), first.folder, syncedPart(await snapshotFolder(first.folder), await rulesOf(first.folder)), i, settled);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          line += message.startsWith("Timed out") ? " (did not settle within 60 s)" : ` (settle check failed: ${message})`;
        }
      } else if (step.fault.kind === "kill-agent") {
        await cluster.crashAgent(step.fault.agent);
      } else if (step.fault.kind === "network-down") {
        const proxy = cluster.agents[step.fault.agent]!.proxy;
        proxy.down = true;
        proxy.cut();
        downUntil.set(step.fault.agent, i + step.fault.steps);
      } else {
        await cluster.crashServer();
      }
      log.push(line);
      // Pacing between a user's actions (not a synchronisation): some land mid-transfer, some after.
      await pause((i * 37) % 160);
    }
    for (const agent of [...downUntil.keys()]) networkUp(agent);

    // Liveness: once the faults stop, every agent is idle and all agree within the bound.
    try {
      settleMs = await quiesce(cluster, options.settleTimeoutMs ?? 180_000);
      log.push(`settled in ${settleMs} ms`);
    } catch (error) {
      // Only a timeout is a liveness failure; anything else is the check itself breaking, and says so.
      const message = error instanceof Error ? error.message : String(error);
      if (!message.startsWith("Timed out")) violations.push(`quiescence check failed (not a liveness verdict): ${message}`);
      else violations.push(`liveness: the agents were not idle and in agreement within ${(options.settleTimeoutMs ?? 180_000) / 1000} s: ${JSON.stringify((await cluster.statuses()).map((s) => s && { state: s.state, queue: s.queue, transfers: s.transfers.length, lastError: s.lastError, dead: s.deadLetters.length, cursor: s.cursor, lastSyncAgoMs: s.lastSyncAt === null ? null : Date.now() - s.lastSyncAt, conflicts: s.conflicts, metrics: s.metrics }))}`);
      // What each agent said last (its own log: local paths are fine here), for the replay.
      for (const a of cluster.agents) log.push(`--- agent ${a.index}, last lines ---`, ...(a.process?.log() ?? "").split("\n").slice(-15));
      // And what woke each one and what its last passes did, from its activity log.
      for (const [index, lines] of (await cluster.activity(60)).entries()) log.push(`--- agent ${index}, activity ---`, ...(lines ?? ["(no answer)"]));
    }

    const wholes = await Promise.all(cluster.agents.map((a) => snapshotFolder(a.home.folder)));
    const parts = await syncedParts(cluster);
    await cluster.stopAgents();
    if ((await cluster.freshSync()) !== 0) violations.push("a new machine's `syncagent sync` did not end in sync");
    const fresh = syncedPart(await snapshotFolder(cluster.fresh.folder), await rulesOf(cluster.fresh.folder));
    violations.push(...convergence(parts, fresh));
    violations.push(...noTempFiles(wholes));
    for (const p of parts) violations.push(...conflictCopies(p));
    for (const a of cluster.agents) {
      const rules = await rulesOf(a.home.folder);
      violations.push(...baseMatchesDisk(a.index, await readSyncedBase(a.home.paths.stateDb), wholes[a.index]!, parts[a.index], (path, isDir) => syncs(path, isDir, rules)));
    }
    const survivors = mustSurvive(written, applied);
    violations.push(...noDataLost(survivors, wholes));
    // Also every content agreed on at a settle point and later overwritten or deleted: in a folder, the history or the trash.
    const kept = await cluster.withServerDb(async (db) => serverContentHashes(db, await keys()));
    violations.push(...noSettledContentLost(settled.values(), wholes, kept));
    // The server's history holds only what the operations asked for: no deletion, no new node of the machines' own making.
    const history = await cluster.withServerDb(async (db) => serverHistory(db, await keys()));
    const unasked = [...unaskedDeletions(history, applied), ...unaskedNodes(history, applied)];
    violations.push(...unasked);
    if (unasked.length > 0) {
      const machines = new Map<string, number>();
      for (const a of cluster.agents) machines.set((await readAgentConfig(a.home.paths.config)).machineId, a.index);
      log.push("--- the server's history ---", ...historyLines(history, machines));
    }
    log.push(
      `end: ${parts[0]!.size} synced entries, ${survivors.length} saved contents checked present, ${settled.size} settled contents checked kept, ${applied.filter((a) => a.skipped === null).length} operations ran, ${history.filter((e) => e.kind === "delete").length} deletions and ${history.filter((e) => e.version === 1).length} new nodes on the server checked asked for`,
    );
    violations.push(...(await cluster.checkServer()).map((p) => `server: ${p}`));
    return { seed, violations: [...new Set(violations)], log, settleMs, steps: schedule.length };
  } finally {
    await cluster.close();
  }
}
