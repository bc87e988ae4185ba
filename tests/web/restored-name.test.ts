/** The name of a restored copy, without a browser. */
import { describe, expect, it } from "vitest";
import { restoredName } from "../../web/restored-name.ts";

describe("restoredName", () => {
  it("puts the suffix before a file's extension", () => {
    expect(restoredName("report.txt")).toBe("report (restored).txt");
    expect(restoredName("archive.tar.gz")).toBe("archive.tar (restored).gz");
  });
  it("numbers the next attempts", () => {
    expect(restoredName("report.txt", 2)).toBe("report (restored 2).txt");
    expect(restoredName("notes", 3)).toBe("notes (restored 3)");
  });
  it("appends to a dot file, a name ending in a dot and a folder", () => {
    expect(restoredName(".env")).toBe(".env (restored)");
    expect(restoredName("odd.")).toBe("odd. (restored)");
    expect(restoredName("Photos.2026", 1, "dir")).toBe("Photos.2026 (restored)");
  });
});
