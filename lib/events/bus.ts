/**
 * In-process fan-out of events that have just been committed. Publishing
 * never blocks and never throws: a failing listener is reported through
 * `onError` and the others still run (the WebSocket hub subscribes here).
 */
import type { EventEnvelope } from "./envelope.ts";

/** A subscriber; called synchronously after the events' transaction commits. */
export type EventListener = (events: readonly EventEnvelope[]) => void;

/** Publishes committed events to in-process subscribers. */
export class EventBus {
  readonly #listeners = new Set<EventListener>();
  readonly #onError: (error: unknown, events: readonly EventEnvelope[]) => void;

  /**
   * @param onError Called with whatever a listener throws and the events it failed on.
   */
  constructor(onError: (error: unknown, events: readonly EventEnvelope[]) => void = () => undefined) {
    this.#onError = onError;
  }

  /**
   * Adds a listener.
   * @param listener Receives every batch of committed events.
   * @returns A function that removes the listener.
   */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /**
   * Hands events to every listener.
   * @param events Events already committed, in log order.
   */
  publish(events: readonly EventEnvelope[]): void {
    if (events.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch (error) {
        this.#onError(error, events);
      }
    }
  }
}
