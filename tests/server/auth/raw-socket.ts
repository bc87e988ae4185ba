/**
 * A raw TCP client for tests that must send what no HTTP client sends: half
 * a request, two Host headers, an absolute-form target, a body that stops.
 */
import { connect, type Socket } from "node:net";

/** An open connection and what the server has sent on it so far. */
export interface RawConnection {
  socket: Socket;
  /** Everything received, as text. */
  received(): string;
  /** Whether the server has closed the connection. */
  closed(): boolean;
  /** Sends bytes. */
  write(text: string): void;
  /** Closes from our side. */
  destroy(): void;
}

/**
 * Opens a TCP connection to 127.0.0.1.
 * @param port The server's port.
 * @returns Once connected, the connection.
 */
export function openRaw(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    let isClosed = false;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => void (data += chunk));
    socket.on("close", () => void (isClosed = true));
    socket.on("error", () => void (isClosed = true));
    socket.once("connect", () =>
      resolve({
        socket,
        received: () => data,
        closed: () => isClosed,
        write: (text) => void socket.write(text),
        destroy: () => socket.destroy(),
      }),
    );
    socket.once("error", reject);
  });
}

/**
 * The status code of the first answer received, or 0 before one arrived.
 * @param received Text received on a connection.
 * @returns The status.
 */
export function firstStatus(received: string): number {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
  return match ? Number(match[1]) : 0;
}
