/**
 * The event catalogue (E1): every event type, every payload version, and
 * its schema. A stored event is read through {@link parseEventPayload},
 * which refuses unknown types and versions. docs/events.md describes them.
 */
import type { z } from "zod";
import { FILE_VERSION_COMMITTED, fileVersionCommittedV1, type FileVersionCommittedV1 } from "./file-version-committed.ts";
import { TRASH_PURGED, trashPurgedV1, type TrashPurgedV1 } from "./trash-purged.ts";

/** Schemas by type, then by payload version. */
export const eventSchemas: Readonly<Record<string, Readonly<Record<number, z.ZodType>>>> = {
  [FILE_VERSION_COMMITTED]: { 1: fileVersionCommittedV1 },
  [TRASH_PURGED]: { 1: trashPurgedV1 },
};

/** A file event with its payload parsed, at the current payload version. */
export type FileEvent =
  | { type: typeof FILE_VERSION_COMMITTED; payload: FileVersionCommittedV1 }
  | { type: typeof TRASH_PURGED; payload: TrashPurgedV1 };

/** Thrown for a payload that is not valid for its type and version. */
export class EventSchemaError extends Error {
  override name = "EventSchemaError";
}

/**
 * Whether this build knows an event type.
 * @param type Event type.
 * @returns True when a schema exists.
 */
export function isKnownEventType(type: string): boolean {
  return Object.hasOwn(eventSchemas, type);
}

/**
 * Validates a stored payload against its type and version.
 * @param type Event type.
 * @param version Payload schema version.
 * @param payload The payload.
 * @returns The typed event.
 * @throws EventSchemaError for an unknown type or version, or an invalid payload.
 */
export function parseEventPayload(type: string, version: number, payload: unknown): FileEvent {
  const schema = isKnownEventType(type) ? eventSchemas[type]?.[version] : undefined;
  if (!schema) throw new EventSchemaError(`Unknown event: ${type} v${version}`);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EventSchemaError(`Invalid ${type} v${version} payload: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return { type, payload: parsed.data } as FileEvent;
}
