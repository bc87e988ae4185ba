/** How the dashboard recognises a file's conflict copy beside it, without a browser. */
import { describe, expect, it } from "vitest";
import { conflictCopyName } from "../../lib/agent/conflicts/conflict-name.ts";
import { isCopyOf } from "../../web/conflicts-data.ts";

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
