/**
 * A bounded map that forgets its least recently used entry first.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;

  /**
   * @param capacity The most entries kept (at least 1).
   */
  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  /** How many entries are kept. */
  get size(): number {
    return this.#map.size;
  }

  /**
   * The value of `key`, now the most recently used.
   * @param key The key.
   * @returns The value, or undefined.
   */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /**
   * Keeps `value` under `key`, forgetting the least recently used entry beyond the capacity.
   * @param key The key.
   * @param value The value.
   */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  /**
   * Forgets `key`.
   * @param key The key.
   */
  delete(key: K): void {
    this.#map.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#map.clear();
  }
}
