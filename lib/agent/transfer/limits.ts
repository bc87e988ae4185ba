/**
 * Small concurrency primitives of the transfer code: a counting semaphore
 * and a byte budget, both fair (first come, first served) and cancellable.
 */

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("Aborted", "AbortError");
}

/**
 * Throws the signal's reason when it is aborted.
 * @param signal A signal, or undefined.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** An AbortController tied to a parent signal, and how to untie it. */
export interface ChildController {
  controller: AbortController;
  /** Removes the link to the parent (call it once the work is over). */
  unlink: () => void;
}

/** The children of each parent signal: one listener per parent fans out to them all. */
const children = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * An AbortController that also aborts, with the parent's reason, when
 * `parent` does: `AbortSignal.any` for one parent, cheap for thousands of
 * children of one long-lived parent (a pass's signal). The parent gets one
 * listener for all its children, which sit in a set until `unlink()`; per
 * file, `AbortSignal.any` or a listener each cost Node time growing with the
 * files in flight (both scan lists on every call).
 * @param parent The signal to follow, or undefined.
 * @returns The controller and its `unlink`.
 */
export function childController(parent: AbortSignal | undefined): ChildController {
  const controller = new AbortController();
  if (!parent) return { controller, unlink: () => undefined };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, unlink: () => undefined };
  }
  let set = children.get(parent);
  if (!set) {
    const all = new Set<AbortController>();
    parent.addEventListener(
      "abort",
      () => {
        for (const child of all) child.abort(parent.reason);
        all.clear();
      },
      { once: true },
    );
    children.set(parent, all);
    set = all;
  }
  const mine = set;
  mine.add(controller);
  return { controller, unlink: () => void mine.delete(controller) };
}

/** A pool of weighted permits: `acquire(n)` waits until `n` are free. */
export class Budget {
  readonly #capacity: number;
  #used = 0;
  readonly #waiters: { n: number; resolve: () => void }[] = [];

  /**
   * @param capacity Permits in all. One request larger than that is granted when nothing else is held.
   */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Permits held now. */
  get used(): number {
    return this.#used;
  }

  /** Callers waiting now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes `n` permits, waiting for them.
   * @param n Permits.
   * @param signal Gives up waiting (rejects with its reason).
   */
  async acquire(n: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (this.#waiters.length === 0 && this.#fits(n)) {
      this.#used += n;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = { n, resolve: () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      } };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        this.#grant();
        reject(abortReason(signal!));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Takes `n` permits if they are free now.
   * @param n Permits.
   * @returns Whether they were taken.
   */
  tryAcquire(n: number): boolean {
    if (this.#waiters.length > 0 || !this.#fits(n)) return false;
    this.#used += n;
    return true;
  }

  /**
   * Gives `n` permits back.
   * @param n Permits.
   */
  release(n: number): void {
    this.#used -= n;
    this.#grant();
  }

  #fits(n: number): boolean {
    return this.#used === 0 || this.#used + n <= this.#capacity;
  }

  #grant(): void {
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.n)) {
      const waiter = this.#waiters.shift()!;
      this.#used += waiter.n;
      waiter.resolve();
    }
  }
}

/**
 * Waits `ms` milliseconds (for a retry's back-off), or until `signal` aborts.
 * @param ms Delay.
 * @param signal Cancels the wait (rejects with its reason).
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    throwIfAborted(signal);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * An error for anything thrown.
 * @param value What was thrown.
 * @returns It, when an Error; otherwise an Error describing it.
 */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
