/**
 * Shutdown of WebSockets with their HTTP server. Node's `server.close()`
 * waits for every accepted connection, and an upgraded WebSocket stays one
 * until it closes, so a server with connected agents would never finish
 * closing. This ties the hub to the server: closing the server first closes
 * every socket (code 1001) and stops the hub's tails and heartbeat.
 */
import type { Hub } from "./hub.ts";

/** The part of a Node server this needs. */
interface Closable {
  close(callback?: (error?: Error) => void): unknown;
}

/**
 * Makes `server.close()` stop the hub first.
 * @param server The HTTP(S) server the hub's sockets came through.
 * @param hub The hub.
 */
export function stopHubWithServer(server: Closable, hub: Hub): void {
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    hub.stop();
    return close(callback);
  };
}
