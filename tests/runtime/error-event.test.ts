// Node 20 has no global ErrorEvent; the WebSocket glue needs one to report
// socket errors through the server's own handlers.
import { describe, expect, it } from "vitest";
import { ensureErrorEvent } from "../../lib/runtime/error-event.ts";

describe("ensureErrorEvent", () => {
  it("provides an ErrorEvent carrying the error and its message", () => {
    ensureErrorEvent();
    const cause = new Error("frame too large");
    const Ctor = (globalThis as unknown as { ErrorEvent: new (type: string, init: { error: unknown }) => Event & { error: unknown; message: string } }).ErrorEvent;
    const event = new Ctor("error", { error: cause });
    expect(event).toBeInstanceOf(Event);
    expect(event.type).toBe("error");
    expect(event.error).toBe(cause);
    expect(event.message).toBe("frame too large");
  });

  it("keeps a native ErrorEvent where one exists", () => {
    const before = (globalThis as { ErrorEvent?: unknown }).ErrorEvent;
    ensureErrorEvent();
    expect((globalThis as { ErrorEvent?: unknown }).ErrorEvent).toBe(before);
  });
});
