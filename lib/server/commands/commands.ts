/**
 * Commands to agents (W9, A19): `sync_now`, `pause`, `resume`. A command is
 * recorded as MachineCommandIssued with its `machine_commands` row in one
 * transaction (E5; the row is the projection of command-projection.ts), pushed on the machine's `/ws/changes` sockets (hub.ts)
 * and, for a machine that is offline, kept until it connects (delivered
 * oldest first). The agent acknowledges it once (MachineCommandAcknowledged);
 * one left unanswered past its expiry is recorded as MachineCommandExpired.
 */
import type { Client, Value } from "@libsql/client";
import type { z } from "zod";
import { str, strOrNull } from "../../db/row.ts";
import type { EventEnvelope, EventMeta } from "../../events/envelope.ts";
import { commandEventSchemas, type CommandEventType, type CommandKind } from "../../events/schemas/machine-commands.ts";
import { appendEvent, type Executor } from "../../events/store.ts";
import { withWriteTransaction } from "../db/tx.ts";
import { HttpError } from "../http/errors.ts";
import { applyCommandEvent } from "./command-projection.ts";

/** A command unanswered this long expires. */
export const COMMAND_TTL_MS = 24 * 3_600_000;

/** A command as the API shows it. */
export interface MachineCommand {
  commandId: string;
  machineId: string;
  kind: CommandKind;
  state: "pending" | "acknowledged" | "expired";
  issuedAt: number;
  issuedBy: string;
  expiresAt: number;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  ok: boolean | null;
  message: string | null;
}

/** The machine a command is for. */
export interface CommandTarget {
  machineId: string;
  accountId: string;
  vaultId: string;
}

function commandFromRow(row: Record<string, Value>): MachineCommand {
  const n = (v: Value | undefined): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    commandId: str(row.id),
    machineId: str(row.machine_id),
    kind: str(row.kind) as CommandKind,
    state: str(row.state) as MachineCommand["state"],
    issuedAt: Number(row.issued_at),
    issuedBy: str(row.issued_by),
    expiresAt: Number(row.expires_at),
    deliveredAt: n(row.delivered_at),
    acknowledgedAt: n(row.acked_at),
    ok: row.ok === null || row.ok === undefined ? null : Number(row.ok) === 1,
    message: strOrNull(row.message),
  };
}

async function record<T extends CommandEventType>(
  tx: Executor,
  type: T,
  target: CommandTarget,
  commandId: string,
  streamVersion: number,
  payload: z.infer<(typeof commandEventSchemas)[T]>,
  meta: EventMeta,
  ts: number,
): Promise<EventEnvelope> {
  return appendEvent(tx, {
    accountId: target.accountId,
    vaultId: target.vaultId,
    stream: `command:${commandId}`,
    streamVersion,
    type,
    version: 1,
    ts,
    payload: commandEventSchemas[type].parse(payload),
    meta,
  });
}

/** The meta of an acknowledgement or expiry (E1): caused by, and correlated with, the MachineCommandIssued event. */
async function causedByIssue(tx: Executor, target: CommandTarget, commandId: string, actor: string): Promise<EventMeta> {
  const issued = await tx.execute({
    sql: "SELECT id FROM events WHERE stream = ? AND stream_version = 1",
    args: [`command:${commandId}`],
  });
  const id = issued.rows[0] ? str(issued.rows[0].id) : undefined;
  return id ? { actor, causationId: id, correlationId: id } : { actor };
}

/**
 * Finds a live machine of a vault.
 * @param db The database.
 * @param vaultId The caller's vault.
 * @param machineId The machine.
 * @returns The target, or null when absent, removed or in another vault.
 */
export async function findCommandTarget(db: Executor, vaultId: string, machineId: string): Promise<CommandTarget | null> {
  const result = await db.execute({
    sql: "SELECT id, account_id, vault_id FROM machine_registry WHERE id = ? AND vault_id = ? AND removed_at IS NULL",
    args: [machineId, vaultId],
  });
  const row = result.rows[0];
  return row ? { machineId: str(row.id), accountId: str(row.account_id), vaultId: str(row.vault_id) } : null;
}

/**
 * Issues a command.
 * @param db The database.
 * @param target The machine.
 * @param kind What to do.
 * @param meta Actor and request id of the event.
 * @param now Clock value in ms.
 * @returns The command and its event.
 */
export async function issueCommand(
  db: Client,
  target: CommandTarget,
  kind: CommandKind,
  meta: EventMeta,
  now: number,
): Promise<{ command: MachineCommand; event: EventEnvelope }> {
  const commandId = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const expiresAt = now + COMMAND_TTL_MS;
  return withWriteTransaction(db, async (tx) => {
    const event = await record(tx, "MachineCommandIssued", target, commandId, 1, { commandId, machineId: target.machineId, kind, expiresAt }, meta, now);
    await applyCommandEvent(tx, event);
    const command: MachineCommand = {
      commandId,
      machineId: target.machineId,
      kind,
      state: "pending",
      issuedAt: now,
      issuedBy: meta.actor ?? "system",
      expiresAt,
      deliveredAt: null,
      acknowledgedAt: null,
      ok: null,
      message: null,
    };
    return { command, event };
  });
}

/**
 * Records MachineCommandExpired for the machine's pending commands past their expiry.
 * @param db The database.
 * @param machineId The machine.
 * @param now Clock value in ms.
 * @returns The events recorded.
 */
export async function expireCommands(db: Client, machineId: string, now: number): Promise<EventEnvelope[]> {
  const due = await db.execute({ sql: "SELECT 1 FROM machine_commands WHERE machine_id = ? AND state = 'pending' AND expires_at <= ? LIMIT 1", args: [machineId, now] });
  if (due.rows.length === 0) return [];
  return withWriteTransaction(db, async (tx) => {
    const rows = await tx.execute({
      sql: "SELECT id, account_id, vault_id, machine_id FROM machine_commands WHERE machine_id = ? AND state = 'pending' AND expires_at <= ? ORDER BY issued_at",
      args: [machineId, now],
    });
    const events: EventEnvelope[] = [];
    for (const row of rows.rows) {
      const target = { machineId: str(row.machine_id), accountId: str(row.account_id), vaultId: str(row.vault_id) };
      const commandId = str(row.id);
      const meta = await causedByIssue(tx, target, commandId, "system");
      const event = await record(tx, "MachineCommandExpired", target, commandId, 2, { commandId, machineId: target.machineId }, meta, now);
      await applyCommandEvent(tx, event);
      events.push(event);
    }
    return events;
  });
}

/**
 * Records an agent's acknowledgement of one of its commands.
 * @param db The database.
 * @param machineId The acknowledging machine.
 * @param commandId The command.
 * @param answer Whether the agent did it, and an optional message.
 * @param now Clock value in ms.
 * @returns The command after, and the event.
 * @throws HttpError 404 `not_found` (unknown, or another machine's), 409 `already_acknowledged`, 410 `command_expired`.
 */
export async function acknowledgeCommand(
  db: Client,
  machineId: string,
  commandId: string,
  answer: { ok: boolean; message?: string | undefined },
  now: number,
): Promise<{ command: MachineCommand; event: EventEnvelope }> {
  await expireCommands(db, machineId, now);
  return withWriteTransaction(db, async (tx) => {
    const found = await tx.execute({ sql: "SELECT * FROM machine_commands WHERE id = ? AND machine_id = ?", args: [commandId, machineId] });
    const row = found.rows[0];
    if (!row) throw new HttpError(404, "not_found", "No such command for this machine");
    const before = commandFromRow(row);
    if (before.state === "acknowledged") throw new HttpError(409, "already_acknowledged", "The command was acknowledged already");
    if (before.state === "expired") throw new HttpError(410, "command_expired", "The command expired before it was acknowledged");
    const target = { machineId, accountId: str(row.account_id), vaultId: str(row.vault_id) };
    const payload = { commandId, machineId, ok: answer.ok, ...(answer.message === undefined ? {} : { message: answer.message }) };
    const meta = await causedByIssue(tx, target, commandId, `machine:${machineId}`);
    const event = await record(tx, "MachineCommandAcknowledged", target, commandId, 2, payload, meta, now);
    await applyCommandEvent(tx, event);
    return { command: { ...before, state: "acknowledged", acknowledgedAt: now, ok: answer.ok, message: answer.message ?? null }, event };
  });
}

/** Where a page of commands starts (exclusive): the last command served, in (issued_at DESC, id) order. */
export interface CommandCursor {
  issuedAt: number;
  commandId: string;
}

/**
 * Encodes a command page cursor (opaque to clients).
 * @param cursor The last command served.
 * @returns The cursor text.
 */
export function encodeCommandCursor(cursor: CommandCursor): string {
  return Buffer.from(`${cursor.issuedAt}.${cursor.commandId}`).toString("base64url");
}

/**
 * Decodes a command page cursor.
 * @param text The cursor text.
 * @returns The cursor, or null when it is not one this server made.
 */
export function decodeCommandCursor(text: string): CommandCursor | null {
  const match = /^(\d{1,16})\.([0-9a-f]{32})$/.exec(Buffer.from(text, "base64url").toString("utf8"));
  if (!match) return null;
  const issuedAt = Number(match[1]);
  return Number.isSafeInteger(issuedAt) ? { issuedAt, commandId: match[2] ?? "" } : null;
}

/**
 * Lists a machine's commands, newest first (same millisecond: by id).
 * @param db The database.
 * @param machineId The machine.
 * @param page `limit`, and `before` (the last command of the previous page) for the next page.
 * @returns The commands.
 */
export async function listCommands(db: Executor, machineId: string, page: { limit: number; before?: CommandCursor | undefined }): Promise<MachineCommand[]> {
  const after = page.before;
  const result = await db.execute({
    sql: `SELECT * FROM machine_commands WHERE machine_id = ? ${after === undefined ? "" : "AND (issued_at < ? OR (issued_at = ? AND id > ?))"}
          ORDER BY issued_at DESC, id LIMIT ?`,
    args: after === undefined ? [machineId, page.limit] : [machineId, after.issuedAt, after.issuedAt, after.commandId, page.limit],
  });
  return result.rows.map(commandFromRow);
}

/**
 * The machine's pending commands, oldest first (delivered when it connects).
 * @param db The database.
 * @param machineId The machine.
 * @param now Clock value in ms: expired ones are left out.
 * @returns The commands.
 */
export async function pendingCommands(db: Executor, machineId: string, now: number): Promise<MachineCommand[]> {
  const result = await db.execute({
    sql: "SELECT * FROM machine_commands WHERE machine_id = ? AND state = 'pending' AND expires_at > ? ORDER BY issued_at, seq",
    args: [machineId, now],
  });
  return result.rows.map(commandFromRow);
}

/**
 * Notes the first delivery of commands to one of the machine's sockets.
 * @param db The database.
 * @param commandIds The commands pushed.
 * @param now Clock value in ms.
 */
export async function markDelivered(db: Client, commandIds: readonly string[], now: number): Promise<void> {
  if (commandIds.length === 0) return;
  await withWriteTransaction(db, (tx) =>
    tx.execute({
      sql: `UPDATE machine_commands SET delivered_at = ? WHERE delivered_at IS NULL AND id IN (${commandIds.map(() => "?").join(", ")})`,
      args: [now, ...commandIds],
    }),
  );
}

/**
 * The frame pushed to an agent for a command.
 * @param command The command.
 * @returns The JSON text of `{ type: "command", … }`.
 */
export function commandFrame(command: Pick<MachineCommand, "commandId" | "kind" | "issuedAt" | "expiresAt">): string {
  return JSON.stringify({ type: "command", commandId: command.commandId, kind: command.kind, issuedAt: command.issuedAt, expiresAt: command.expiresAt });
}
