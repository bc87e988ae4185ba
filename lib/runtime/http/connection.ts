/**
 * What a request's env tells about its connection, on every transport:
 * the Node server puts its `IncomingMessage` there (`incoming`), the Bun
 * transport a `remoteAddress`.
 */

/**
 * The peer's network address of a request.
 * @param env The request's env (`c.env`).
 * @returns The address, or undefined when the transport does not know it.
 */
export function remoteAddressOf(env: unknown): string | undefined {
  const e = env as { incoming?: { socket?: { remoteAddress?: string } }; remoteAddress?: string } | undefined;
  return e?.incoming?.socket?.remoteAddress ?? e?.remoteAddress;
}
