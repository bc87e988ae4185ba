/**
 * The facts the auth side records in the event log (E1, E5); their versioned
 * payload schemas live in lib/events/schemas/auth.ts. Appended with
 * `appendEvent` inside the same transaction as the table writes they
 * describe. No payload carries a secret: never a token, code or hash.
 */
import type { z } from "zod";
import { authEventSchemas, type AuthEventType } from "../../events/schemas/auth.ts";
import { appendEvent, type Executor } from "../../events/store.ts";
import type { EventEnvelope, EventMeta } from "../../events/envelope.ts";

export { authEventSchemas, type AuthEventType };

/** Where an auth event goes: its account, vault (if any) and stream. */
export interface AuthEventTarget {
  accountId: string;
  vaultId: string | null;
  stream: string;
  /** The event's timestamp in ms; the real clock when absent. Projections built from the event read it. */
  ts?: number;
}

/**
 * The metadata an auth event is stored with (E1): the request id is the
 * correlation id (every event of one request shares it) and, unless the
 * caller names the event that caused this one, the causation id too (the
 * request's command caused it). Absent fields are left out.
 * @param meta What the caller gave.
 * @returns The metadata to store.
 */
export function authEventMeta(meta: EventMeta): EventMeta {
  const out: EventMeta = {};
  const correlationId = meta.correlationId ?? meta.requestId;
  const causationId = meta.causationId ?? meta.requestId;
  if (correlationId) out.correlationId = correlationId;
  if (causationId) out.causationId = causationId;
  if (meta.actor) out.actor = meta.actor;
  if (meta.requestId) out.requestId = meta.requestId;
  return out;
}

/**
 * Appends an auth event at the next version of its stream, inside `tx`.
 * @param tx An open write transaction.
 * @param type The event type.
 * @param target Account, vault and stream.
 * @param payload The payload, checked against its schema.
 * @param meta Actor and request id; correlation and causation ids default to the request id ({@link authEventMeta}).
 * @returns The stored envelope.
 */
export async function recordAuthEvent<T extends AuthEventType>(
  tx: Executor,
  type: T,
  target: AuthEventTarget,
  payload: z.infer<(typeof authEventSchemas)[T]>,
  meta: EventMeta = {},
): Promise<EventEnvelope> {
  const checked = authEventSchemas[type].parse(payload);
  const next = await tx.execute({
    sql: "SELECT COALESCE(MAX(stream_version), 0) + 1 AS v FROM events WHERE stream = ?",
    args: [target.stream],
  });
  return appendEvent(tx, {
    accountId: target.accountId,
    vaultId: target.vaultId,
    stream: target.stream,
    streamVersion: Number(next.rows[0]?.v ?? 1),
    type,
    version: 1,
    ...(target.ts === undefined ? {} : { ts: target.ts }),
    payload: checked,
    meta: authEventMeta(meta),
  });
}
