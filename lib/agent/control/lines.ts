/**
 * Newline-delimited JSON framing for the control socket, with a bound on
 * how long a line may grow before its newline arrives.
 */

/** A line grew past the bound. */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
}

/** Splits a byte stream into lines. */
export class LineSplitter {
  private buffered = "";
  private readonly decoder = new TextDecoder();

  /**
   * @param maxBytes Longest line accepted, in bytes (UTF-8), newline excluded.
   */
  constructor(private readonly maxBytes: number) {}

  /**
   * Feeds bytes.
   * @param chunk The next bytes.
   * @returns The complete lines found (without their newline).
   * @throws LineTooLongError when a line passes the bound.
   */
  push(chunk: Uint8Array): string[] {
    this.buffered += this.decoder.decode(chunk, { stream: true });
    const lines = this.buffered.split("\n");
    this.buffered = lines.pop() ?? "";
    // Characters undercount bytes by up to 4×: check characters first, bytes only when close.
    const tooLong = (s: string): boolean => s.length > this.maxBytes || (s.length * 3 > this.maxBytes && Buffer.byteLength(s) > this.maxBytes);
    if (lines.some(tooLong) || tooLong(this.buffered)) throw new LineTooLongError(`Request too large: more than ${this.maxBytes} bytes`);
    return lines.filter((line) => line.trim() !== "");
  }
}
