/**
 * A small pool of equal-sized buffers, so a pipeline that handles one chunk
 * after another reuses memory instead of allocating (and page-faulting in)
 * a fresh multi-megabyte buffer per chunk. Keeps peak memory flat.
 */
export class BufferPool {
  readonly #size: number;
  readonly #keep: number;
  readonly #free: Uint8Array<ArrayBuffer>[] = [];

  /**
   * Creates a pool.
   * @param size Capacity of each buffer, bytes.
   * @param keep Most free buffers kept for reuse; more released buffers are dropped.
   */
  constructor(size: number, keep: number) {
    this.#size = size;
    this.#keep = keep;
  }

  /**
   * Takes a buffer of at least `size` bytes.
   * @param size Bytes needed.
   * @returns A pooled buffer, or a fresh one when the pool is empty or `size` exceeds the pool's.
   */
  acquire(size: number): Uint8Array<ArrayBuffer> {
    if (size > this.#size) return new Uint8Array(size);
    return this.#free.pop() ?? new Uint8Array(this.#size);
  }

  /**
   * Returns a buffer (or a view of one) to the pool; its content may be overwritten at once.
   * @param buffer A buffer from `acquire`, or a view starting at its first byte.
   */
  release(buffer: Uint8Array): void {
    if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== this.#size || this.#free.length >= this.#keep) return;
    this.#free.push(new Uint8Array(buffer.buffer as ArrayBuffer));
  }

  /** Free buffers held now. */
  get available(): number {
    return this.#free.length;
  }
}
