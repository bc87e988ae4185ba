/**
 * A Map that counts its changes: one number tells whether anything was
 * set, deleted or cleared since it was last read, without comparing the
 * contents. The engine uses it to know that the trees a pass planned from
 * are still the same (A5).
 */
export class RevisionMap<K, V> extends Map<K, V> {
  #revision = 0;
  /** Keys changed since {@link RevisionMap.track}, with the value each had then (null: not tracking, or too many). */
  #changed: Map<K, V | undefined> | null = null;
  #trackLimit = 0;

  /**
   * @param entries Initial entries (not counted as changes).
   */
  constructor(entries?: Iterable<readonly [K, V]>) {
    super();
    if (entries) for (const [key, value] of entries) super.set(key, value);
  }

  /**
   * The map itself when it already is one, else a new one with its entries.
   * @param map Entries just loaded.
   * @returns A revision map at revision 0 for a new one.
   */
  static of<K, V>(map: Map<K, V>): RevisionMap<K, V> {
    return map instanceof RevisionMap ? (map as RevisionMap<K, V>) : new RevisionMap(map);
  }

  /**
   * Sets a value without counting it as a change: for filling a fresh map
   * with what is stored, as the constructor does.
   * @param key The key.
   * @param value The value.
   */
  seed(key: K, value: V): void {
    super.set(key, value);
  }

  /** Changes so far (every `set`, every `delete` that removed something, every `clear` of a non-empty map). */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Sets a value (counted as a change).
   * @param key The key.
   * @param value The value.
   * @returns This map.
   */
  override set(key: K, value: V): this {
    this.#revision++;
    this.#note(key);
    return super.set(key, value);
  }

  /**
   * Deletes a key (counted when it was there).
   * @param key The key.
   * @returns True when it was there.
   */
  override delete(key: K): boolean {
    if (!this.has(key)) return false;
    this.#revision++;
    this.#note(key);
    return super.delete(key);
  }

  /** Removes everything (counted when anything was there). */
  override clear(): void {
    if (this.size > 0) {
      this.#revision++;
      this.#changed = null;
    }
    super.clear();
  }

  /**
   * Starts listing the keys changed from now on (a focused plan reads them),
   * forgetting the earlier list.
   * @param limit The most keys listed: beyond it the list is given up.
   */
  track(limit: number): void {
    this.#changed = new Map();
    this.#trackLimit = limit;
  }

  /**
   * The keys set or deleted since {@link RevisionMap.track}, each with the value it had then (undefined:
   * absent), or null when not tracking or beyond its limit.
   */
  get changed(): ReadonlyMap<K, V | undefined> | null {
    return this.#changed;
  }

  #note(key: K): void {
    if (this.#changed === null || this.#changed.has(key)) return;
    this.#changed.set(key, super.get(key));
    if (this.#changed.size > this.#trackLimit) this.#changed = null;
  }
}
