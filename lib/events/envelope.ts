/**
 * The envelope every event travels in (E1): immutable facts with a versioned
 * payload schema. Payload schemas live in `lib/events/schemas/`.
 */
export interface EventMeta {
  /** Id shared by every event caused by one user action or request. */
  correlationId?: string;
  /** Id of the event or command that caused this one. */
  causationId?: string;
  /** Who acted: `machine:<id>`, `user:<id>` or `system`. */
  actor?: string;
  /** The HTTP request id, for joining logs and events. */
  requestId?: string;
}

/** An event as stored and as served by the change log. */
export interface EventEnvelope<P = unknown> {
  /** Global position in the log: the change-log cursor (S7). */
  seq: number;
  /** Random event id, 32 hex characters. */
  id: string;
  accountId: string;
  vaultId: string | null;
  /** The stream the event belongs to, e.g. `file:<vaultId>:<nodeId>`. */
  stream: string;
  /** Position inside its stream, from 1. */
  streamVersion: number;
  type: string;
  /** Schema version of `payload`. */
  version: number;
  /** Milliseconds since the epoch. */
  ts: number;
  payload: P;
  meta: EventMeta;
}

/** An event about to be appended: the store assigns `seq`, `id` and `ts` if absent. */
export type NewEvent<P = unknown> = Omit<EventEnvelope<P>, "seq" | "id" | "ts"> & { id?: string; ts?: number };
