// Node and operation ids (DESIGN §2 rule 5, S4): 32 hex characters, the
// creating clock first so a machine's new ids sit together in the server's
// indexes, 80 random bits after it, never the root's id.
import { describe, expect, it } from "vitest";
import { isNodeId, newNodeId, ROOT_NODE_ID, timeOrderedId } from "../../lib/crypto/node-id.ts";

describe("time-ordered ids", () => {
  it("start with the clock in ms and end with 80 random bits", () => {
    const at = Date.UTC(2026, 11, 1, 12, 0, 0);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(parseInt(id.slice(0, 12), 16)).toBe(at);
    const many = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(at)));
    expect(many.size).toBe(10_000);
    expect(timeOrderedId(at + 1) > timeOrderedId(at)).toBe(true);
  });

  it("clamp a clock out of range instead of making a longer or a negative id", () => {
    expect(timeOrderedId(-5).slice(0, 12)).toBe("000000000000");
    expect(timeOrderedId(2 ** 60).slice(0, 12)).toBe("ffffffffffff");
    expect(timeOrderedId(2 ** 60)).toHaveLength(32);
  });

  it("make valid node ids that are never the root's", () => {
    const id = newNodeId();
    expect(isNodeId(id)).toBe(true);
    expect(id).not.toBe(ROOT_NODE_ID);
    expect(Math.abs(parseInt(id.slice(0, 12), 16) - Date.now())).toBeLessThan(60_000);
  });
});
