import { describe, expect, it } from "vitest";
import { compileIgnoreRules, IGNORE_FILE } from "../../../lib/agent/scan/ignore-rules.ts";

describe("compileIgnoreRules (A4)", () => {
  const rules = compileIgnoreRules(["# build output", "build/", "*.log", "!keep.log", "/top-only.txt", "docs/**/draft-*", "", "  "].join("\n"));

  it.each<[string, boolean, boolean]>([
    ["build", true, true],
    ["build", false, false],
    ["build/out.bin", false, true],
    ["src/build", true, true],
    ["src/build/x.o", false, true],
    ["app.log", false, true],
    ["deep/er/app.log", false, true],
    ["keep.log", false, false],
    ["top-only.txt", false, true],
    ["sub/top-only.txt", false, false],
    ["docs/a/b/draft-1.md", false, true],
    ["docs/final.md", false, false],
    ["# build output", false, false],
    ["src/main.ts", false, false],
  ])("%s (dir: %s) → %s", (path, isDir, ignored) => {
    expect(rules.ignores(path, isDir)).toBe(ignored);
  });

  it("never ignores the rules file nor the root", () => {
    const all = compileIgnoreRules("*\n.syncignore\n");
    expect(all.ignores(IGNORE_FILE, false)).toBe(false);
    expect(all.ignores("", true)).toBe(false);
    expect(all.ignores("anything", false)).toBe(true);
  });

  it("no rules ignore nothing", () => {
    const none = compileIgnoreRules("");
    expect(none.ignores("a", false)).toBe(false);
    expect(none.ignores("a/b", true)).toBe(false);
    expect(none.source).toBe("");
  });

  it("keeps its source to tell whether the rules changed", () => {
    expect(compileIgnoreRules("*.tmp\n").source).toBe("*.tmp\n");
  });

  it("a path the library cannot test is not ignored (never lost) and does not throw", () => {
    const all = compileIgnoreRules("*\n");
    expect(all.ignores("../outside", false)).toBe(false);
    expect(all.ignores("/abs", false)).toBe(false);
    // Asked again: the answer is remembered, not recomputed into an exception.
    expect(all.ignores("../outside", false)).toBe(false);
  });

  it("tells folders and files of one name apart in its memo", () => {
    const r = compileIgnoreRules("cache/\n");
    expect(r.ignores("cache", false)).toBe(false);
    expect(r.ignores("cache", true)).toBe(true);
    expect(r.ignores("cache", false)).toBe(false);
  });
});

describe("rules without a pattern (A4)", () => {
  it("ignore nothing when the file is empty or holds only comments and blank lines", () => {
    for (const source of ["", "# only a comment\n\n   \r\n#another"]) {
      const r = compileIgnoreRules(source);
      expect(r.source).toBe(source);
      expect(r.ignores("a.log", false)).toBe(false);
      expect(r.ignores("build", true)).toBe(false);
    }
  });

  it("still apply a pattern after comments, and an escaped hash is a pattern", () => {
    expect(compileIgnoreRules("# logs\n*.log").ignores("x/a.log", false)).toBe(true);
    expect(compileIgnoreRules("\\#notes").ignores("#notes", false)).toBe(true);
  });
});
