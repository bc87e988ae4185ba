/**
 * Reading a whole stream into memory under a byte cap: the one reader of
 * request bodies (JSON, chunk uploads) and of small S3 answers.
 */

/**
 * Reads a stream into one buffer. Past `max` bytes, or when `until`
 * rejects first (a deadline), the rest of the stream is cancelled and the
 * error is thrown.
 * @param body The stream.
 * @param max Most bytes accepted.
 * @param tooLong Makes the error thrown past `max`.
 * @param until Optional: a promise that rejects when reading must stop (its rejection is thrown).
 * @returns The bytes (the single piece itself when only one arrived).
 */
export async function readCapped(body: ReadableStream<Uint8Array>, max: number, tooLong: () => Error, until?: Promise<never>): Promise<Uint8Array> {
  const reader = body.getReader();
  const pieces: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await (until ? Promise.race([reader.read(), until]) : reader.read());
      if (done) break;
      size += value.byteLength;
      if (size > max) throw tooLong();
      pieces.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  if (pieces.length === 1 && pieces[0]) return pieces[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.byteLength;
  }
  return bytes;
}
