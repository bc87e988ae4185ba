/** Test data for the storage tests: random bytes, keys, hashes and streams. */
import { createHash } from "node:crypto";

/** `n` random bytes. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let offset = 0; offset < n; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(n, offset + 65_536)));
  }
  return bytes;
}

/** A random well-formed chunk key. */
export function randomKey(): string {
  return sha256Hex(randomBytes(32));
}

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A stream that yields `bytes` in pieces of `pieceSize` bytes. */
export function streamOf(bytes: Uint8Array, pieceSize = 65_536): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + pieceSize));
      offset += pieceSize;
    },
  });
}

/**
 * A stream that never ends and produces only what is read (no read-ahead);
 * `state.sent` counts the bytes handed out, `state.cancelled` turns true when
 * its reader cancels it.
 */
export function endlessStream(pieceSize = 65_536): { stream: ReadableStream<Uint8Array>; state: { cancelled: boolean; sent: number } } {
  const state = { cancelled: false, sent: 0 };
  const piece = randomBytes(pieceSize);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.sent += piece.byteLength;
      controller.enqueue(piece.slice());
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

/** A stream that yields `good` bytes, then fails with `error`. */
export function failingStream(good: Uint8Array, error: Error): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(good);
        return;
      }
      controller.error(error);
    },
  });
}

/** Reads a whole stream into one buffer. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of streamIterator(stream)) {
    pieces.push(piece);
    size += piece.byteLength;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.byteLength;
  }
  return out;
}

/** Hashes a stream without keeping it: its size and SHA-256. */
export async function digestStream(stream: ReadableStream<Uint8Array>): Promise<{ size: number; sha256: string }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const piece of streamIterator(stream)) {
    hash.update(piece);
    size += piece.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}

async function* streamIterator(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
