/**
 * Shutdown of WebSockets with their server. A server waits for every
 * accepted connection, and an upgraded WebSocket stays one until it closes,
 * so a server with connected agents would never finish closing. Closing
 * goes through here: first every socket of the hub is closed (code 1001)
 * and its tails, heartbeat and wake channel stop, then the transport closes.
 */
import type { Listening } from "../../runtime/http/port.ts";
import type { Hub } from "./hub.ts";

/**
 * Closes the hub's sockets, then the listening transport.
 * @param listening The transport the hub's sockets came through.
 * @param hub The hub.
 * @returns Resolves once the transport has closed.
 */
export async function closeWithHub(listening: Pick<Listening, "close">, hub: Pick<Hub, "stop">): Promise<void> {
  const stopped = hub.stop();
  await listening.close();
  await stopped;
}
