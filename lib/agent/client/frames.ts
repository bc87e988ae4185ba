/**
 * The binary framing of batch chunk transfers (`application/vnd.syncagent.chunks`),
 * agent side: frames back to back, each
 * `[32 bytes chunk id][32 bytes SHA-256][u32 big-endian length][length bytes]`;
 * a missing chunk has an all-zero digest, length {@link MISSING_LENGTH} and no bytes.
 * Encoding builds one request body; decoding reads a response as a stream,
 * one frame at a time, so memory stays bounded by the largest frame.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { IntegrityError } from "../../crypto/errors.ts";
import { NetworkError } from "./http.ts";

/** The content type of a framed body. */
export const CHUNKS_CONTENT_TYPE = "application/vnd.syncagent.chunks";
/** Bytes of one frame header. */
export const FRAME_HEADER_BYTES = 68;
/** The length of a frame that stands for a missing chunk. */
export const MISSING_LENGTH = 0xffffffff;

/** A chunk to send in a framed body. */
export interface OutgoingFrame {
  /** Chunk id, 64 lowercase hex. */
  id: string;
  /** The encrypted bytes. */
  data: Uint8Array;
}

/** One frame read from a response. */
export interface IncomingFrame {
  id: string;
  /** The verified bytes, or null for a chunk the server does not hold (or one that failed its digest, or was left out). */
  bytes: Uint8Array | null;
  /** Set when the chunk's bytes do not match their digest, or the answer leaves it out: that chunk fails, the others still come. */
  error?: IntegrityError;
}

/**
 * Encodes frames into one body, each with the SHA-256 of its bytes (the
 * server checks it before storing anything).
 * @param frames The chunks, in order.
 * @returns The body.
 */
export function encodeFrames(frames: readonly OutgoingFrame[]): Uint8Array {
  let total = 0;
  for (const f of frames) total += FRAME_HEADER_BYTES + f.data.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const f of frames) {
    out.write(f.id, at, 32, "hex");
    createHash("sha256").update(f.data).digest().copy(out, at + 32);
    out.writeUInt32BE(f.data.length, at + 64);
    out.set(f.data, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + f.data.length;
  }
  return out;
}

/** Limits of {@link readFrames}. */
export interface ReadFramesOptions {
  /** The ids asked for, distinct: each is answered once (the server keeps this order; another order is read the same). */
  ids: readonly string[];
  /** Largest frame accepted, bytes. */
  maxChunkBytes: number;
  /** Where the answer came from, for messages. */
  what: string;
  /**
   * Called with a frame's length once its header is read, before its bytes
   * are: waiting here holds the rest of the answer back (the memory of
   * frames not yet handled stays bounded).
   */
  reserve?: (length: number) => Promise<void>;
  /** Gives the buffer a frame's bytes are read into (exactly `length` bytes; a recycled one is fine). @default a fresh one */
  allocate?: (length: number) => Uint8Array;
}

/** A growable queue of received pieces, read from the front. */
class PieceQueue {
  readonly #pieces: Uint8Array[] = [];
  #head = 0;
  length = 0;

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#pieces.push(piece);
    this.length += piece.length;
  }

  /** Moves `n` bytes (n ≤ length) into `target` at `at`, calling `each` with every piece moved. */
  take(n: number, target: Uint8Array | null, at: number, each?: (piece: Uint8Array) => void): void {
    while (n > 0) {
      const piece = this.#pieces[this.#head]!;
      const use = Math.min(n, piece.length);
      const part = piece.subarray(0, use);
      if (target) target.set(part, at);
      each?.(part);
      at += use;
      n -= use;
      this.length -= use;
      if (use === piece.length) {
        this.#pieces[this.#head++] = undefined as unknown as Uint8Array;
        if (this.#head > 64) {
          this.#pieces.splice(0, this.#head);
          this.#head = 0;
        }
      } else {
        this.#pieces[this.#head] = piece.subarray(use);
      }
    }
  }
}

/**
 * Reads a framed response as it arrives, checking every frame: it is an id
 * asked for and not seen before in this answer, its length is within
 * bounds, and the SHA-256 of its bytes is the frame's digest.
 *
 * A frame is taken by its id, not by its place: the server sends them in
 * the order asked, and one that sends them in another order changes
 * nothing (each chunk's bytes are checked against the id they come under by
 * the chunk decryption, and placed in the file by the sealed manifest). A
 * frame not asked for, or one repeated, is skipped unread; an id the answer
 * leaves out comes last, as a frame with `error`. So a server that drops,
 * repeats or reorders frames fails the chunks it withholds, and only their
 * files, never the rest of the answer (C6).
 * @param body The response body.
 * @param options The ids asked for, the frame bound and a label.
 * @returns The frames, in the answer's order, then those left out; each frame's bytes are a fresh buffer (or one from `allocate`).
 * @throws NetworkError for a truncated or oversized answer (a chunk whose bytes do not match its digest,
 *   or that the answer leaves out, is a frame with `error`, so the other chunks of the answer still arrive).
 */
export async function* readFrames(body: ReadableStream<Uint8Array>, options: ReadFramesOptions): AsyncGenerator<IncomingFrame, void, undefined> {
  const reader = body.getReader();
  const queue = new PieceQueue();
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  let done = false;
  const fill = async (n: number): Promise<boolean> => {
    while (queue.length < n && !done) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw new NetworkError(`The answer of ${options.what} was cut: ${(error as Error).message}`);
      }
      if (result.done) done = true;
      else queue.push(result.value);
    }
    return queue.length >= n;
  };
  const bad = (why: string) => new NetworkError(`The answer of ${options.what} is malformed: ${why}`);
  const skip = async (id: string, length: number): Promise<void> => {
    for (let left = length; left > 0; ) {
      if (!(await fill(1))) throw bad(`chunk ${id} is truncated`);
      const n = Math.min(queue.length, left);
      queue.take(n, null, 0);
      left -= n;
    }
  };
  try {
    // Ids asked for and not yet answered.
    const pending = new Set(options.ids);
    for (;;) {
      if (!(await fill(1))) break;
      if (!(await fill(FRAME_HEADER_BYTES))) throw bad("a frame header is truncated");
      queue.take(FRAME_HEADER_BYTES, header, 0);
      const id = header.toString("hex", 0, 32);
      const length = header.readUInt32BE(64);
      if (length !== MISSING_LENGTH && length > options.maxChunkBytes) throw bad(`chunk ${id} is over ${options.maxChunkBytes} bytes`);
      // Not asked for, or answered already: not this request's chunk, whatever its bytes.
      if (!pending.delete(id)) {
        if (length !== MISSING_LENGTH) await skip(id, length);
        continue;
      }
      if (length === MISSING_LENGTH) {
        yield { id, bytes: null };
        continue;
      }
      if (options.reserve) await options.reserve(length);
      const bytes = options.allocate ? options.allocate(length) : new Uint8Array(length);
      if (bytes.length !== length) throw new RangeError(`A frame buffer of ${bytes.length} bytes was given for ${length}`);
      const hash = createHash("sha256");
      let at = 0;
      while (at < length) {
        if (!(await fill(1))) throw bad(`chunk ${id} is truncated`);
        const n = Math.min(queue.length, length - at);
        queue.take(n, bytes, at, (piece) => hash.update(piece));
        at += n;
      }
      // Bytes that do not match the digest the server stored with them were altered (at rest or on the way):
      // the chunk cannot be trusted, which fails the file that needs it, not the whole pass.
      if (!hash.digest().equals(header.subarray(32, 64))) {
        yield { id, bytes: null, error: new IntegrityError(`Integrity check failed: chunk ${id} from the server does not match its digest`) };
        continue;
      }
      yield { id, bytes };
    }
    done = true;
    for (const id of pending) {
      yield { id, bytes: null, error: new IntegrityError(`Integrity check failed: chunk ${id} was asked for and the server's answer leaves it out`) };
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
