/**
 * A small seeded pseudo-random generator (mulberry32, 32-bit state) for the
 * coordinator's property runs and the convergence runs: the same seed gives
 * the same sequence on every machine, so a failing run replays exactly.
 */

/** A seeded source of pseudo-random choices. */
export class Rng {
  #state: number;

  /**
   * @param seed Any integer; only its low 32 bits count.
   */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /**
   * The next number.
   * @returns A float in [0, 1).
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * An integer below a bound.
   * @param n The bound (> 0).
   * @returns An integer in [0, n).
   */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * An integer in a closed range.
   * @param min The least value.
   * @param max The greatest value.
   * @returns An integer in [min, max].
   */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /**
   * True with a probability.
   * @param p The probability, in [0, 1].
   * @returns Whether the draw fell below p.
   */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * One element of a non-empty list.
   * @param items The list.
   * @returns One of its elements.
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }
}
