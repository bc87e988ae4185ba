/** Waiting on a condition with a deadline (never a fixed sleep). */

/**
 * Polls `check` until it returns a truthy value, or fails after `timeoutMs`.
 * @param what the awaited condition, for the failure message.
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
