/** The growing login waits (S3), without a server. */
import { describe, expect, it } from "vitest";
import { nextAttemptAt } from "../../../lib/server/accounts/login-delay.ts";

const rule = { free: 3, baseMs: 1000, maxMs: 8000 };

describe("the next allowed login attempt", () => {
  it("owes no wait while the failures are free, even when the last one was counted after this request's clock", () => {
    // A request that started later was counted first: its time is ahead of ours, and still owes nothing.
    expect(nextAttemptAt(0, 5_000, rule)).toBe(Number.NEGATIVE_INFINITY);
    expect(nextAttemptAt(2, 5_000, rule)).toBeLessThan(4_990);
  });

  it("doubles the wait past the free failures, up to the cap", () => {
    expect(nextAttemptAt(3, 5_000, rule)).toBe(6_000);
    expect(nextAttemptAt(4, 5_000, rule)).toBe(7_000);
    expect(nextAttemptAt(5, 5_000, rule)).toBe(9_000);
    expect(nextAttemptAt(40, 5_000, rule)).toBe(13_000);
  });
});
