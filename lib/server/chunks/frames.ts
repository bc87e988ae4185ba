/**
 * The binary framing of batch chunk transfers (`application/vnd.syncagent.chunks`),
 * the same both ways (S6, DESIGN §3): frames back to back, each
 *
 *     [32 bytes chunk id][32 bytes SHA-256][u32 big-endian length][length bytes]
 *
 * On upload the SHA-256 is the client's digest of the bytes, checked before
 * anything is stored (all zero: not checked). On download it is the stored
 * digest; a chunk that is not there has an all-zero digest, length
 * {@link MISSING_LENGTH} and no bytes. Pure: no I/O.
 */
import { Buffer } from "node:buffer";

/** The content type of a framed body. */
export const CHUNKS_CONTENT_TYPE = "application/vnd.syncagent.chunks";
/** Bytes of one frame header. */
export const FRAME_HEADER_BYTES = 68;
/** The length of a frame that stands for a missing chunk. */
export const MISSING_LENGTH = 0xffffffff;

const ZERO_DIGEST = "0".repeat(64);

/** One decoded frame. */
export interface Frame {
  id: string;
  /** Lowercase hex; null when the frame carried an all-zero digest. */
  sha256: string | null;
  /** The bytes (a view into the body); null for a missing chunk. */
  bytes: Uint8Array | null;
}

/** A framing error: a malformed body, or (`overLimit`) one over the count or size bounds. */
export class FrameError extends Error {
  override name = "FrameError";
  /**
   * @param message What was wrong.
   * @param overLimit True when a bound was exceeded rather than the framing broken.
   */
  constructor(
    message: string,
    readonly overLimit = false,
  ) {
    super(message);
  }
}

/**
 * Encodes one frame's header.
 * @param id The chunk id (64 hex).
 * @param sha256 Digest in hex, or null for all zero.
 * @param length The byte count, or {@link MISSING_LENGTH}.
 * @returns 68 bytes.
 */
export function encodeFrameHeader(id: string, sha256: string | null, length: number): Uint8Array {
  const out = Buffer.alloc(FRAME_HEADER_BYTES);
  out.write(id, 0, 32, "hex");
  out.write(sha256 ?? ZERO_DIGEST, 32, 32, "hex");
  out.writeUInt32BE(length, 64);
  return out;
}

/**
 * Encodes whole frames (tests, benchmarks, clients).
 * @param frames Chunks to encode; `bytes: null` encodes a missing chunk.
 * @returns The framed body.
 */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of frames) {
    parts.push(encodeFrameHeader(f.id, f.sha256, f.bytes ? f.bytes.byteLength : MISSING_LENGTH));
    if (f.bytes) parts.push(f.bytes);
  }
  return Buffer.concat(parts);
}

/**
 * Decodes a framed body.
 * @param body The whole body.
 * @param limits Most frames, and most bytes in one frame.
 * @returns The frames, in order.
 * @throws FrameError for a truncated body, a frame over `maxChunkBytes` or more than `maxFrames` frames.
 */
export function decodeFrames(body: Uint8Array, limits: { maxFrames: number; maxChunkBytes: number }): Frame[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const frames: Frame[] = [];
  let at = 0;
  while (at < buf.length) {
    if (frames.length >= limits.maxFrames) throw new FrameError(`more than ${limits.maxFrames} chunks`, true);
    if (buf.length - at < FRAME_HEADER_BYTES) throw new FrameError(`truncated header at byte ${at}`);
    const id = buf.toString("hex", at, at + 32);
    const digest = buf.toString("hex", at + 32, at + 64);
    const length = buf.readUInt32BE(at + 64);
    at += FRAME_HEADER_BYTES;
    if (length === MISSING_LENGTH) {
      frames.push({ id, sha256: digest === ZERO_DIGEST ? null : digest, bytes: null });
      continue;
    }
    if (length > limits.maxChunkBytes) throw new FrameError(`chunk ${id} is over ${limits.maxChunkBytes} bytes`, true);
    if (buf.length - at < length) throw new FrameError(`chunk ${id} is truncated`);
    frames.push({ id, sha256: digest === ZERO_DIGEST ? null : digest, bytes: body.subarray(at, at + length) });
    at += length;
  }
  return frames;
}
