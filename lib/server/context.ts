/**
 * Everything a request handler or a server command needs, created once at
 * start-up and passed down explicitly (no globals).
 */
import type { Client } from "@libsql/client";
import type { Logger } from "pino";
import { EventBus } from "../events/bus.ts";
import { recordDeadLetter } from "../events/dead-letter.ts";
import type { EventEnvelope } from "../events/envelope.ts";
import type { ChunkStore } from "../storage/port.ts";
import type { ServerConfig } from "./config.ts";
import { newProcessToken } from "./db/process-lease.ts";
import { withWriteTransaction } from "./db/tx.ts";
import { KeyedLock } from "./keyed-lock.ts";
import { Metrics } from "./metrics.ts";

/** The server's shared state. */
export interface ServerContext {
  config: ServerConfig;
  db: Client;
  store: ChunkStore;
  logger: Logger;
  metrics: Metrics;
  /** Committed events, fanned out to the WebSocket hub and other listeners. */
  bus: EventBus;
  /** Serialises uploads and garbage collection of the same chunk id. */
  chunkLocks: KeyedLock;
  /** This process's token: its liveness lease and its upload claims carry it (db/process-lease.ts). */
  processToken: string;
}

/**
 * Assembles a context from its parts, creating the metrics, bus and locks.
 * @param parts Config, database, chunk store and logger.
 * @returns The context.
 */
export function createServerContext(parts: Pick<ServerContext, "config" | "db" | "store" | "logger">): ServerContext {
  const metrics = new Metrics();
  // A listener that throws on an event leaves a dead letter per event (E4); the others still ran.
  const onListenerError = (error: unknown, events: readonly EventEnvelope[]): void => {
    parts.logger.error({ err: error, seqs: events.map((e) => e.seq) }, "event listener failed");
    metrics.count("bus.failures");
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    void withWriteTransaction(parts.db, async (tx) => {
      for (const e of events) {
        await recordDeadLetter(tx, {
          eventSeq: e.seq,
          eventId: e.id,
          accountId: e.accountId,
          type: e.type,
          version: e.version,
          handler: "bus",
          error: message,
          attempts: 1,
        });
      }
    }    ).catch((cause: unknown) => parts.logger.error({ err: cause }, "cannot record dead letters"));
  };
  return { ...parts, metrics, bus: new EventBus(onListenerError), chunkLocks: new KeyedLock(), processToken: newProcessToken() };
}
