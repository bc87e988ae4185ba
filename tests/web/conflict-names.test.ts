/** How the dashboard recognises a file's conflict copy beside it, without a browser. */
import { describe, expect, it } from "vitest";
import { conflictCopyName } from "../../lib/agent/conflicts/conflict-name.ts";
import { groupConflicts, isCopyOf, type Conflict } from "../../web/conflicts-data.ts";

const WHEN = new Date(2026, 11, 1, 23, 41, 7);

describe("conflict copies", () => {
  it("recognises the names agents give a file's copies", () => {
    for (const name of ["notes.txt", "Makefile", ".bashrc", "archive.tar.gz", "trailing."]) {
      expect(isCopyOf(name, conflictCopyName(name, "kitchen-mini", WHEN))).toBe(true);
      expect(isCopyOf(name, conflictCopyName(name, "my.mac", WHEN, 2))).toBe(true);
    }
  });

  it("refuses other files, and copies of other files", () => {
    expect(isCopyOf("notes.txt", "notes.txt")).toBe(false);
    expect(isCopyOf("notes.txt", "notes-old.txt")).toBe(false);
    expect(isCopyOf("notes.txt", conflictCopyName("notes.md", "laptop", WHEN))).toBe(false);
    expect(isCopyOf("notes.txt", conflictCopyName("other notes.txt", "laptop", WHEN))).toBe(false);
  });
});

describe("conflict rows", () => {
  const c = (id: string, nodeId: string, state: "open" | "resolved", resolvedAt: number | null = null): Conflict => ({ id, machineId: "m", nodeId, reportId: null, agentTs: 1, ts: 1, state, resolvedAt });

  it("shows a file's open reports as one row that resolves them all", () => {
    const rows = groupConflicts([c("3", "a", "open"), c("2", "b", "open"), c("1", "a", "open")]);
    expect(rows.map((r) => [r.id, r.ids])).toEqual([["3", ["3", "1"]], ["2", ["2"]]]);
  });

  it("keeps resolutions of one file apart unless they were made together", () => {
    const rows = groupConflicts([c("3", "a", "resolved", 20_000), c("2", "a", "resolved", 18_000), c("1", "a", "resolved", 1000)]);
    expect(rows.map((r) => r.ids)).toEqual([["3", "2"], ["1"]]);
  });
});
