/**
 * The WebSocket endpoints (A13, A14, W4, W8, S11):
 * - `/ws/changes` (agents): `hello` with the current cursor, the machine's
 *   pending commands (`command`, oldest first), then `changes` (cursor +
 *   the account's new events) or a `changed` hint (cursor, and `dropped`
 *   when the agent fell behind), and `command` as they are issued; the
 *   agent pulls `/api/changes` from its own cursor.
 * - `/ws/events` (agents → server): reports validated by
 *   `agentReportSchema`, limited per machine (token bucket), deduplicated
 *   on `reportId`, stored as the machine's status and history and relayed;
 *   `ack` for reports that carry a `reportId`, `error` (echoing it) for
 *   refused ones; progress reports are thinned to one per
 *   {@link PROGRESS_MIN_GAP_MS}; `command_ack` acknowledges a command.
 * - `/ws/dashboard` (browsers): `snapshot` of the status of every machine
 *   of the session's vault, then `report` (live status and activity of
 *   those machines) and `changes` (the vault's events); closed (4401) once
 *   the session ends or switches to another vault.
 * Message shapes are in docs/api.md.
 */
import { Hono, type Context } from "hono";
import type { UpgradeWebSocket, WSContext, WSEvents } from "hono/ws";
import type { AuthDeps } from "../auth/deps.ts";
import { findMachineByToken, listVaultMachines, touchMachine } from "../machines/machines.ts";
import { findSession } from "../sessions/sessions.ts";
import type { ServerEnv } from "../principal.ts";
import { heartbeatFor } from "./heartbeat.ts";
import { eventHead, helloCursor } from "./feeds.ts";
import type { Hub, HubConnection } from "./hub.ts";
import { agentReportSchema, commandAckSchema, commandIdSchema, presentStatus, unreportedStatus, reportIdSchema } from "./reports.ts";
import { DEFAULT_REPORT_LIMIT, TokenBuckets } from "./rate-limit.ts";
import { acknowledgeCommand, commandFrame, expireCommands, markDelivered, pendingCommands } from "../commands/commands.ts";
import { HttpError } from "../http/errors.ts";
import { authenticateBrowserSocket, authenticateMachineSocket } from "./socket-auth.ts";
import { readStatus, storeReport } from "./status-store.ts";

/** Largest message accepted from a client. */
export const MAX_CLIENT_MESSAGE = 64 * 1024;

/**
 * Progress reports closer together than this are acknowledged but not
 * stored: they are lossy by nature, and a flood must not turn into writes.
 * Every other report type is always stored.
 */
export const PROGRESS_MIN_GAP_MS = 200;

/** Reports per machine, across its sockets on this process (token bucket). */
const reportBuckets = new TokenBuckets(DEFAULT_REPORT_LIMIT);

function issueText(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join(".") || "message"}: ${issue.message}` : "invalid";
}

/** The report id to echo in an answer: only a well-formed one (never reflect arbitrary text). */
function echoedReportId(value: unknown): { reportId?: string } {
  const id = (value as { reportId?: unknown } | null)?.reportId;
  return reportIdSchema.safeParse(id).success ? { reportId: id as string } : {};
}

async function onCommandAck(deps: AuthDeps, hub: Hub, machineId: string, value: unknown, reply: (value: object) => void): Promise<void> {
  const parsed = commandAckSchema.safeParse(value);
  const commandId = (value as { commandId?: unknown }).commandId;
  const echo = commandIdSchema.safeParse(commandId).success ? { commandId: commandId as string } : {};
  if (!parsed.success) {
    reply({ type: "error", error: "invalid_command_ack", ...echo, message: issueText(parsed.error) });
    return;
  }
  try {
    await acknowledgeCommand(deps.db, machineId, parsed.data.commandId, { ok: parsed.data.ok, message: parsed.data.message }, deps.now());
    hub.wake();
    reply({ type: "command_acked", commandId: parsed.data.commandId });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    reply({ type: "error", error: error.code, ...echo, message: error.message });
  }
}

/** Minimum gap between two `last_seen_at` writes caused by one socket. */
const TOUCH_MS = 30_000;

interface SocketSetup {
  kind: HubConnection["kind"];
  accountId: string;
  /** The vault whose changes the socket receives (with account-level events). */
  vaultId?: string;
  machineId?: string;
  stillValid: () => Promise<boolean>;
  /** Subscribed sockets get pushed messages. */
  subscribe: boolean;
  /** Called once open, to send the first message. */
  greet?: (ws: WSContext) => Promise<void>;
  /** Handles a client message other than a pong. */
  onMessage?: (text: string, ws: WSContext) => Promise<void>;
  /** Called when the peer proves alive. */
  onAlive?: () => void;
}

function socketEvents(hub: Hub, deps: AuthDeps, setup: SocketSetup): WSEvents {
  let unregister: (() => void) | undefined;
  let conn: HubConnection | undefined;
  return {
    onOpen: (_evt, ws) => {
      const beat = heartbeatFor(ws, () => {
        if (conn) conn.lastHeard = Date.now();
        setup.onAlive?.();
      });
      conn = {
        kind: setup.kind,
        accountId: setup.accountId,
        ...(setup.vaultId ? { vaultId: setup.vaultId } : {}),
        ...(setup.machineId ? { machineId: setup.machineId } : {}),
        ping: beat.ping,
        close: beat.terminate,
        stillValid: setup.stillValid,
        lastHeard: Date.now(),
      };
      const sink = setup.subscribe ? { send: (text: string) => ws.send(text), buffered: beat.buffered } : undefined;
      unregister = hub.add(conn, sink);
      setup.greet?.(ws).catch((error: unknown) => deps.log.warn({ err: error }, "socket greeting failed"));
    },
    onMessage: (evt, ws) => {
      if (conn) conn.lastHeard = Date.now();
      setup.onAlive?.();
      if (typeof evt.data !== "string") return ws.close(1003, "text frames only");
      if (evt.data.length > MAX_CLIENT_MESSAGE) return ws.close(1009, "message too big");
      if (/^\s*\{\s*"type"\s*:\s*"pong"/.test(evt.data)) return;
      setup.onMessage?.(evt.data, ws).catch((error: unknown) => deps.log.warn({ err: error }, "socket message failed"));
    },
    onClose: () => unregister?.(),
    onError: () => unregister?.(),
  };
}

function machineAlive(deps: AuthDeps, machineId: string): () => void {
  let last = 0;
  return () => {
    const now = deps.now();
    if (now - last < TOUCH_MS) return;
    last = now;
    void touchMachine(deps.db, machineId, now);
  };
}

async function machineSetup(c: Context, deps: AuthDeps, kind: "changes" | "events"): Promise<SocketSetup & { vaultId: string }> {
  const { machine, token } = await authenticateMachineSocket(c, deps);
  return {
    kind,
    accountId: machine.accountId,
    vaultId: machine.vaultId,
    machineId: machine.machineId,
    subscribe: kind === "changes",
    stillValid: async () => (await findMachineByToken(deps.db, token)) !== null,
    onAlive: machineAlive(deps, machine.machineId),
  };
}

/**
 * The WebSocket routes.
 * @param deps Server dependencies.
 * @param hub This process's hub.
 * @param upgradeWebSocket The runtime's upgrade helper.
 * @returns A Hono app to mount at `/`.
 */
export function wsRoutes(deps: AuthDeps, hub: Hub, upgradeWebSocket: UpgradeWebSocket): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.get(
    "/ws/changes",
    upgradeWebSocket(async (c) => {
      const setup = await machineSetup(c, deps, "changes");
      const machineId = setup.machineId ?? "";
      return socketEvents(hub, deps, {
        ...setup,
        greet: async (ws) => {
          ws.send(JSON.stringify({ type: "hello", cursor: await helloCursor(deps.db, setup), machineId }));
          // Commands kept while the machine was offline, oldest first (W9, A19).
          const now = deps.now();
          const expired = await expireCommands(deps.db, machineId, now);
          if (expired.length > 0) hub.wake();
          const pending = await pendingCommands(deps.db, machineId, now);
          for (const command of pending) ws.send(commandFrame(command));
          await markDelivered(deps.db, pending.map((p) => p.commandId), now);
        },
      });
    }),
  );

  app.get(
    "/ws/events",
    upgradeWebSocket(async (c) => {
      const setup = await machineSetup(c, deps, "events");
      const machine = { machineId: setup.machineId ?? "", accountId: setup.accountId, vaultId: setup.vaultId };
      let lastProgress = 0;
      return socketEvents(hub, deps, {
        ...setup,
        onMessage: async (text, ws) => {
          const reply = (value: object): void => ws.send(JSON.stringify(value));
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch {
            reply({ type: "error", error: "invalid_json", message: "Message is not valid JSON" });
            return;
          }
          const echo = echoedReportId(value);
          if (!reportBuckets.take(machine.machineId, Date.now())) {
            hub.countDroppedReport();
            reply({ type: "error", error: "rate_limited", ...echo, message: "Too many reports: this one was dropped" });
            return;
          }
          if ((value as { type?: unknown } | null)?.type === "command_ack") {
            await onCommandAck(deps, hub, machine.machineId, value, reply);
            return;
          }
          const parsed = agentReportSchema.safeParse(value);
          if (!parsed.success) {
            reply({ type: "error", error: "invalid_report", ...echo, message: issueText(parsed.error) });
            return;
          }
          const report = parsed.data;
          const ack = report.reportId === undefined ? null : { type: "ack", reportId: report.reportId };
          const at = Date.now();
          if (report.type === "sync_progress" && at - lastProgress < PROGRESS_MIN_GAP_MS) {
            if (ack) reply({ ...ack, stored: false });
            return;
          }
          if (report.type === "sync_progress") lastProgress = at;
          const stored = await storeReport(deps.db, machine, report, deps.now());
          if (!stored.duplicate) hub.wake();
          if (ack) reply(stored.duplicate ? { ...ack, duplicate: true } : ack);
        },
      });
    }),
  );

  app.get(
    "/ws/dashboard",
    upgradeWebSocket(async (c) => {
      const { session, sessionId } = await authenticateBrowserSocket(c, deps);
      return socketEvents(hub, deps, {
        kind: "dashboard",
        accountId: session.accountId,
        vaultId: session.vaultId,
        subscribe: true,
        // Valid while the session lives and still acts on this socket's vault (POST /api/auth/vault switches it).
        stillValid: async () => (await findSession(deps.db, sessionId, deps.now(), deps.web, false))?.vaultId === session.vaultId,
        greet: async (ws) => {
          const now = deps.now();
          const machines = await listVaultMachines(deps.db, session.vaultId);
          const withStatus = await Promise.all(
            machines.map(async (m) => ({ ...m, status: presentStatus((await readStatus(deps.db, m.id)) ?? unreportedStatus(m.createdAt), m.lastSeenAt, now) })),
          );
          ws.send(JSON.stringify({ type: "snapshot", cursor: await eventHead(deps.db), machines: withStatus }));
        },
      });
    }),
  );

  return app;
}
