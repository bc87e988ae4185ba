/**
 * Push-style streaming chunker: feed pieces of any size, get whole chunks.
 * It copies input into one reusable window buffer that grows on demand up to
 * 2 × maxSize and never beyond, so memory stays bounded for any file size;
 * each chunk handed out is a fresh copy the caller owns.
 */

import { findBoundary } from "./fastcdc.ts";
import { assertGearTable, type GearTable } from "./gear.ts";
import type { ChunkerOptions } from "./options.ts";
import { resolveChunkParams, type ChunkParams } from "./params.ts";

/** Smallest window buffer allocated, bytes. */
const INITIAL_CAPACITY = 64 * 1024;

/** Streaming FastCDC chunker; reusable for several inputs (each ends with finish()). */
export class Chunker {
  readonly #table: GearTable;
  readonly #params: ChunkParams;
  readonly #capacityLimit: number;
  readonly #chunkBuffer: ((size: number) => Uint8Array) | undefined;
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;

  /**
   * Creates a chunker.
   * @param options Gear table and chunk sizes (validated here).
   */
  constructor(options: ChunkerOptions) {
    assertGearTable(options.table);
    this.#table = options.table;
    this.#params = resolveChunkParams(options);
    this.#capacityLimit = 2 * this.#params.maxSize;
    this.#chunkBuffer = options.chunkBuffer;
  }

  /** The validated sizes and masks in use. */
  get params(): ChunkParams {
    return this.#params;
  }

  /** Bytes received but not yet returned in a chunk (always below maxSize between calls). */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Current size of the window buffer, bytes (at most 2 × maxSize). */
  get bufferSize(): number {
    return this.#buf.length;
  }

  /**
   * Feeds the next piece of input.
   * @param data Bytes following everything fed so far (copied; the caller may reuse it).
   * @returns The chunks this piece completed, possibly none.
   */
  push(data: Uint8Array): Uint8Array[] {
    if (!(data instanceof Uint8Array)) throw new TypeError("chunking: input pieces must be Uint8Array");
    const out: Uint8Array[] = [];
    const maxSize = this.#params.maxSize;
    let offset = 0;
    while (offset < data.length) {
      if (this.#end === this.#buf.length) this.#makeRoom(data.length - offset);
      const n = Math.min(data.length - offset, this.#buf.length - this.#end);
      this.#buf.set(data.subarray(offset, offset + n), this.#end);
      this.#end += n;
      offset += n;
      while (this.#end - this.#start >= maxSize) this.#emit(out);
    }
    return out;
  }

  /**
   * Ends the input and returns what is left; the chunker is then ready for a new input.
   * @returns The remaining chunks (the last may be shorter than minSize); none if nothing is pending.
   */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.#end > this.#start) this.#emit(out);
    this.#start = 0;
    this.#end = 0;
    return out;
  }

  /** Cuts one chunk from the window and copies it out. */
  #emit(out: Uint8Array[]): void {
    const cut = findBoundary(this.#table, this.#buf, this.#start, this.#end, this.#params);
    const size = cut - this.#start;
    // new + set: V8's slice() of large arrays is about 2.5x slower than this.
    const target = this.#chunkBuffer ? this.#chunkBuffer(size) : new Uint8Array(size);
    if (target.length < size) throw new RangeError(`chunking: chunkBuffer returned ${target.length} bytes, ${size} needed`);
    const chunk = target.length === size ? target : target.subarray(0, size);
    chunk.set(this.#buf.subarray(this.#start, cut));
    out.push(chunk);
    this.#start = cut;
  }

  /**
   * Makes room at the end of the window. Below maxSize the buffer doubles (or
   * fits the input); once an input reaches maxSize it jumps to 2 × maxSize and
   * stays there. At that size fewer than maxSize bytes are pending, so moving
   * them to the front frees more than maxSize bytes: each byte is moved at most
   * once on average.
   */
  #makeRoom(incoming: number): void {
    const pending = this.#end - this.#start;
    if (this.#buf.length === this.#capacityLimit) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      const wanted = Math.max(2 * this.#buf.length, pending + incoming, INITIAL_CAPACITY);
      const grown = new Uint8Array(wanted < this.#params.maxSize ? wanted : this.#capacityLimit);
      grown.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = grown;
    }
    this.#start = 0;
    this.#end = pending;
  }
}
