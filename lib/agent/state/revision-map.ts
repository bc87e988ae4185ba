/**
 * A Map that counts its changes: one number tells whether anything was
 * set, deleted or cleared since it was last read, without comparing the
 * contents. The engine uses it to know that the trees a pass planned from
 * are still the same (A5).
 */
export class RevisionMap<K, V> extends Map<K, V> {
  #revision = 0;

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
    return super.set(key, value);
  }

  /**
   * Deletes a key (counted when it was there).
   * @param key The key.
   * @returns True when it was there.
   */
  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.#revision++;
    return had;
  }

  /** Removes everything (counted when anything was there). */
  override clear(): void {
    if (this.size > 0) this.#revision++;
    super.clear();
  }
}
