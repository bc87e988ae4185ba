/**
 * A bounded outbox for one WebSocket subscriber (Syncthing lib/events
 * style): publishing never blocks; a consumer that falls behind loses
 * messages, counted, and is then told once how many it lost together with
 * a catch-up hint, so an agent pulls `/api/changes` from its own cursor.
 * Pure logic: the socket is reached only through the two functions given.
 */

/** Limits of a {@link Subscriber}. */
export interface SubscriberLimits {
  /** Messages queued before dropping. @default 256 */
  maxQueued: number;
  /** Bytes the socket may hold unsent before the queue stops draining. @default 1 MiB */
  maxBuffered: number;
}

/** Defaults of {@link SubscriberLimits}. */
export const DEFAULT_SUBSCRIBER_LIMITS: SubscriberLimits = { maxQueued: 256, maxBuffered: 1024 * 1024 };

/** What a subscriber needs from its socket. */
export interface SubscriberSink {
  /** Sends one text frame. */
  send(text: string): void;
  /** Bytes accepted by the socket but not yet written to the network. */
  buffered(): number;
}

/** Builds the message that replaces dropped ones (e.g. `{"type":"changed","cursor":…,"dropped":n}`). */
export type DropNotice = (dropped: number) => string;

/** One subscriber's bounded queue. */
export class Subscriber {
  readonly #sink: SubscriberSink;
  readonly #limits: SubscriberLimits;
  readonly #notice: DropNotice;
  readonly #queue: string[] = [];
  #pendingDrops = 0;
  /** Messages dropped over the subscriber's life. */
  droppedTotal = 0;
  /** Messages sent over the subscriber's life. */
  sentTotal = 0;

  /**
   * @param sink The socket.
   * @param notice Builds the notice sent after drops.
   * @param limits Queue and socket buffer bounds.
   */
  constructor(sink: SubscriberSink, notice: DropNotice, limits: SubscriberLimits = DEFAULT_SUBSCRIBER_LIMITS) {
    this.#sink = sink;
    this.#notice = notice;
    this.#limits = limits;
  }

  /**
   * Queues a message and sends what the socket can take. Never blocks.
   * @param text The message.
   * @returns False when the message was dropped.
   */
  offer(text: string): boolean {
    let kept = true;
    if (this.#queue.length >= this.#limits.maxQueued) {
      this.#pendingDrops += this.#queue.length + 1;
      this.droppedTotal += this.#queue.length + 1;
      this.#queue.length = 0;
      kept = false;
    } else {
      this.#queue.push(text);
    }
    this.pump();
    return kept;
  }

  /** Sends queued messages while the socket's buffer is below its bound. */
  pump(): void {
    if (this.#sink.buffered() >= this.#limits.maxBuffered) return;
    if (this.#pendingDrops > 0) {
      this.#sink.send(this.#notice(this.#pendingDrops));
      this.#pendingDrops = 0;
    }
    while (this.#queue.length > 0 && this.#sink.buffered() < this.#limits.maxBuffered) {
      const next = this.#queue.shift();
      if (next === undefined) break;
      this.#sink.send(next);
      this.sentTotal++;
    }
  }

  /** Messages waiting. */
  get queued(): number {
    return this.#queue.length;
  }
}
