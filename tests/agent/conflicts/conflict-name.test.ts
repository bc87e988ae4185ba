import { describe, expect, it } from "vitest";
import { conflictCopyName, isConflictCopyName } from "../../../lib/agent/conflicts/conflict-name.ts";
import { checkName } from "../../../lib/platform/names.ts";

// Local time, as the copy's name shows it: 2024-03-05 07:08:09.
const WHEN = new Date(2024, 2, 5, 7, 8, 9);
const STAMP = "20240305-070809";

describe("conflictCopyName (A8)", () => {
  it.each([
    ["a.txt", "laptop", `a.conflict-${STAMP}-laptop.txt`],
    [".hidden", "laptop", `.hidden.conflict-${STAMP}-laptop`],
    ["noext", "laptop", `noext.conflict-${STAMP}-laptop`],
    ["archive.tar.gz", "laptop", `archive.tar.conflict-${STAMP}-laptop.gz`],
    ["trailing.", "laptop", `trailing..conflict-${STAMP}-laptop`],
    [".env.local", "laptop", `.env.conflict-${STAMP}-laptop.local`],
  ])("%s", (name, machine, expected) => {
    expect(conflictCopyName(name, machine, WHEN)).toBe(expected);
  });

  it.each([
    ["My Laptop", "My-Laptop"],
    ["office/desk", "office-desk"],
    ["c:\\users\\me", "c-users-me"],
    ["tab\tand\nnewline", "tab-and-newline"],
    ["  padded  ", "padded"],
    ["a*b?c<d>e|f\"g", "a-b-c-d-e-f-g"],
    ["///", "machine"],
    ["", "machine"],
  ])("machine name %j becomes %j", (machine, safe) => {
    const copy = conflictCopyName("a.txt", machine, WHEN);
    expect(copy).toBe(`a.conflict-${STAMP}-${safe}.txt`);
    expect(copy).not.toMatch(/[\\/:*?"<>|\s]/);
  });

  it("caps a long machine name at 40 characters, never splitting one", () => {
    expect(conflictCopyName("a.txt", "m".repeat(200), WHEN)).toBe(`a.conflict-${STAMP}-${"m".repeat(40)}.txt`);
    expect(conflictCopyName("a.txt", "😀".repeat(50), WHEN)).toBe(`a.conflict-${STAMP}-${"😀".repeat(40)}.txt`);
  });

  it("numbers the next choices -2, -3 when the first is taken", () => {
    expect(conflictCopyName("a.txt", "pc", WHEN, 1)).toBe(`a.conflict-${STAMP}-pc-2.txt`);
    expect(conflictCopyName("a.txt", "pc", WHEN, 2)).toBe(`a.conflict-${STAMP}-pc-3.txt`);
    expect(conflictCopyName("noext", "pc", WHEN, 1)).toBe(`noext.conflict-${STAMP}-pc-2`);
    const names = new Set([0, 1, 2, 3].map((n) => conflictCopyName("a.txt", "pc", WHEN, n)));
    expect(names.size).toBe(4);
  });

  it("a machine name ending in a dot does not end the copy's name with one", () => {
    expect(conflictCopyName("noext", "box.", WHEN)).toBe(`noext.conflict-${STAMP}-box`);
    expect(conflictCopyName("a.txt", "..", WHEN)).toBe(`a.conflict-${STAMP}-machine.txt`);
    expect(checkName(conflictCopyName("noext", "host.local.", WHEN), "win32").ok).toBe(true);
  });

  it("stays within 255 bytes, shortening the name and keeping the extension", () => {
    const encoder = new TextEncoder();
    for (const name of ["x".repeat(250) + ".txt", "é".repeat(127), "名".repeat(80) + ".md", "y".repeat(255)]) {
      const copy = conflictCopyName(name, "laptop", WHEN, 2);
      expect(encoder.encode(copy).length).toBeLessThanOrEqual(255);
      expect(isConflictCopyName(copy)).toBe(true);
      expect(copy).toContain(`.conflict-${STAMP}-laptop-3`);
      if (name.endsWith(".txt")) expect(copy.endsWith(".txt")).toBe(true);
      if (name.endsWith(".md")) expect(copy.endsWith(".md")).toBe(true);
      expect(copy).not.toMatch(/\p{Surrogate}/u);
    }
  });

  it("pads month, day and time to two digits", () => {
    expect(conflictCopyName("x", "pc", new Date(2025, 11, 31, 23, 59, 58))).toBe("x.conflict-20251231-235958-pc");
  });

  it("gives names every platform accepts", () => {
    for (const name of ["a.txt", ".hidden", "archive.tar.gz", "trailing."]) {
      for (const machine of ["My Laptop", "a/b:c", "\u0007bell"]) {
        const copy = conflictCopyName(name, machine, WHEN);
        for (const platform of ["linux", "darwin", "win32"] as const) expect(checkName(copy, platform).ok).toBe(true);
      }
    }
  });
});

describe("isConflictCopyName (A8)", () => {
  it("recognises every name conflictCopyName makes", () => {
    for (const name of ["a.txt", ".hidden", "noext", "archive.tar.gz", "trailing."]) {
      for (const attempt of [0, 1, 5]) expect(isConflictCopyName(conflictCopyName(name, "My Laptop", WHEN, attempt))).toBe(true);
    }
  });

  it.each(["a.txt", "conflict.txt", "a.conflict.txt", "a.conflict-2024-laptop.txt", "a.conflict-20240305-0708-pc.txt", "a.conflict-20240305-070809-.txt", ""])(
    "rejects %j",
    (name) => {
      expect(isConflictCopyName(name)).toBe(false);
    },
  );
});
