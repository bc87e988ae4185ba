// Node 20 has no global ErrorEvent; the WebSocket glue needs one to report
// socket errors through the server's own handlers. Each test sets the global
// up as it needs it and puts the original back, so each runs alone.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureErrorEvent } from "../../lib/runtime/error-event.ts";

type ErrorEventCtor = new (type: string, init: { error?: unknown; message?: string }) => Event & { error: unknown; message: string };

let original: PropertyDescriptor | undefined;
beforeEach(() => {
  original = Object.getOwnPropertyDescriptor(globalThis, "ErrorEvent");
});
afterEach(() => {
  if (original) Object.defineProperty(globalThis, "ErrorEvent", original);
  else delete (globalThis as { ErrorEvent?: unknown }).ErrorEvent;
});

/** Replaces (or, with `undefined`, removes) the global `ErrorEvent` for one test. */
function setGlobalErrorEvent(value: unknown): void {
  if (value === undefined) delete (globalThis as { ErrorEvent?: unknown }).ErrorEvent;
  else Object.defineProperty(globalThis, "ErrorEvent", { value, configurable: true, writable: true });
}

describe("ensureErrorEvent", () => {
  it("provides an ErrorEvent carrying the error and its message", () => {
    setGlobalErrorEvent(undefined);
    ensureErrorEvent();
    const cause = new Error("frame too large");
    const Ctor = (globalThis as unknown as { ErrorEvent: ErrorEventCtor }).ErrorEvent;
    expect(typeof Ctor).toBe("function");
    const event = new Ctor("error", { error: cause });
    expect(event).toBeInstanceOf(Event);
    expect(event.type).toBe("error");
    expect(event.error).toBe(cause);
    expect(event.message).toBe("frame too large");
    expect(new Ctor("error", { error: cause, message: "given" }).message).toBe("given");
    expect(new Ctor("error", { error: "not an Error" }).message).toBe("");
  });

  it("keeps a native ErrorEvent where one exists", () => {
    // Stands in for the runtime's own class (Bun, Deno, Node ≥ 22).
    class NativeErrorEvent extends Event {}
    setGlobalErrorEvent(NativeErrorEvent);
    ensureErrorEvent();
    expect((globalThis as { ErrorEvent?: unknown }).ErrorEvent).toBe(NativeErrorEvent);
  });
});
