// The agent's activity ring: bounded, oldest first, newest kept; the words
// for plan steps and the terminal format (what `status --activity` prints).
import { describe, expect, it } from "vitest";
import { ActivityLog, describeAction, formatActivity, someOf } from "../../../lib/agent/progress/activity-log.ts";

describe("activity log", () => {
  it("keeps the newest lines, oldest first, once it wraps", () => {
    let t = 0;
    const log = new ActivityLog(3, () => ++t);
    log.add("a");
    log.add("b");
    expect(log.lines().map((l) => l.line)).toEqual(["a", "b"]);
    log.add("c");
    log.add("d");
    log.add("e");
    expect(log.lines()).toEqual([
      { at: 3, line: "c" },
      { at: 4, line: "d" },
      { at: 5, line: "e" },
    ]);
    expect(log.lines(2).map((l) => l.line)).toEqual(["d", "e"]);
  });

  it("refuses a capacity that keeps nothing", () => {
    expect(() => new ActivityLog(0)).toThrow(RangeError);
    expect(() => new ActivityLog(1.5)).toThrow(/at least one line/);
  });

  it("names a few paths and counts the rest", () => {
    expect(someOf(["a", "b"])).toBe("a, b");
    expect(someOf(["a", "b", "c", "d"], 2)).toBe("a, b +2");
    expect(someOf(new Set<string>())).toBe("");
  });

  it("describes plan steps by kind and path, a move by both ends, a forget by its node", () => {
    expect(describeAction({ type: "upload", path: "docs/a.txt", nodeId: "n1" })).toBe("upload docs/a.txt");
    expect(describeAction({ type: "move-local", from: "a", to: "b/a", nodeId: "n2" })).toBe("move-local a → b/a");
    expect(describeAction({ type: "forget", nodeId: "0123456789abcdef" })).toBe("forget 01234567");
  });

  it("prints each line with its UTC time of day", () => {
    expect(formatActivity([{ at: Date.UTC(2026, 0, 2, 3, 4, 5, 6), line: "wake: start" }])).toBe("03:04:05.006  wake: start\n");
    expect(formatActivity([])).toBe("No activity yet.\n");
  });
});
