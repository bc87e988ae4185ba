/**
 * Everything a request handler or a server command needs, created once at
 * start-up and passed down explicitly (no globals).
 */
import type { Client } from "@libsql/client";
import type { Logger } from "pino";
import { EventBus } from "../events/bus.ts";
import type { ChunkStore } from "../storage/port.ts";
import type { ServerConfig } from "./config.ts";
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
}

/**
 * Assembles a context from its parts, creating the metrics, bus and locks.
 * @param parts Config, database, chunk store and logger.
 * @returns The context.
 */
export function createServerContext(parts: Pick<ServerContext, "config" | "db" | "store" | "logger">): ServerContext {
  return {
    ...parts,
    metrics: new Metrics(),
    bus: new EventBus((error) => parts.logger.error({ err: error }, "event listener failed")),
    chunkLocks: new KeyedLock(),
  };
}
