/**
 * `ErrorEvent` where the runtime lacks it. Node 20 has no global
 * `ErrorEvent`; `@hono/node-ws` builds one for every socket error, so
 * without it each error became a ReferenceError printed outside the
 * structured log, and the route's `onError` never ran. Bun, Deno and Node
 * ≥ 22 have their own and are left alone.
 */
class ErrorEventShim extends Event {
  readonly error: unknown;
  readonly message: string;

  constructor(type: string, init: EventInit & { error?: unknown; message?: string } = {}) {
    super(type, init);
    this.error = init.error;
    this.message = init.message ?? (init.error instanceof Error ? init.error.message : "");
  }
}

/** Defines `globalThis.ErrorEvent` when the runtime has none. */
export function ensureErrorEvent(): void {
  if (typeof (globalThis as { ErrorEvent?: unknown }).ErrorEvent === "function") return;
  Object.defineProperty(globalThis, "ErrorEvent", { value: ErrorEventShim, configurable: true, writable: true });
}
