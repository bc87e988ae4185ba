/**
 * Names and paths from other machines, checked for the platform they are
 * written on (C6, A-side safety): lib/platform/names.ts.
 */
import { describe, expect, it } from "vitest";
import { checkName, isInsideFolder, type NameCheck, type NameRefusalCode, type Platform } from "../../lib/platform/names.ts";

const PLATFORMS: Platform[] = ["linux", "darwin", "win32"];
const NFC_E = "\u00e9"; // é as one code point
const NFD_E = "e\u0301"; // e + combining acute accent

function refusal(check: NameCheck): NameRefusalCode | undefined {
  return check.ok ? undefined : check.reason.code;
}

describe("checkName: what every platform refuses (POSIX)", () => {
  it.each([
    ["", "empty"],
    [".", "dot-name"],
    ["..", "dot-name"],
    ["a/b", "slash"],
    ["/", "slash"],
    ["a\0b", "nul"],
    ["a\ud800", "lone-surrogate"],
    ["\udc00", "lone-surrogate"],
    ["x\udfff\ud800", "lone-surrogate"],
  ] as const)("refuses %j everywhere as %s", (name, code) => {
    for (const platform of PLATFORMS) expect(refusal(checkName(name, platform)), platform).toBe(code);
  });

  it("accepts any other POSIX name on Linux and macOS, Windows-reserved ones included", () => {
    for (const name of ["..\\..\\evil", "C:\\x", "CON", "com1.txt", "a:b", "name.", "name ", "a*b?", "tab\there", "...", ".hidden", "日本語", "a\ud83d\ude00", "a\ufffd"]) {
      expect(checkName(name, "linux"), name).toEqual({ ok: true, warnings: [] });
      expect(checkName(name, "darwin"), name).toEqual({ ok: true, warnings: [] });
    }
  });
});

describe("checkName on Windows", () => {
  it.each([
    ["..\\..\\evil", "backslash"],
    ["C:\\x", "backslash"],
    ["a:b", "colon"],
    ["file.txt:stream", "colon"],
    ["CON", "reserved-device-name"],
    ["con", "reserved-device-name"],
    ["com1.txt", "reserved-device-name"],
    ["COM0", "reserved-device-name"],
    ["LPT9.tar.gz", "reserved-device-name"],
    ["Nul.txt", "reserved-device-name"],
    ["nul .txt", "reserved-device-name"],
    ["PRN", "reserved-device-name"],
    ["aux.c", "reserved-device-name"],
    ["COM\u00b9", "reserved-device-name"],
    ["lpt\u00b2.log", "reserved-device-name"],
    ["COM\u00b3", "reserved-device-name"],
    ["CONIN$", "reserved-device-name"],
    ["name.", "trailing-dot-or-space"],
    ["name ", "trailing-dot-or-space"],
    ["a*b", "reserved-character"],
    ["what?", "reserved-character"],
    ['say "hi"', "reserved-character"],
    ["<tag>", "reserved-character"],
    ["a|b", "reserved-character"],
    ["tab\there", "control-character"],
    ["\u001f", "control-character"],
  ] as const)("refuses %j as %s", (name, code) => {
    expect(refusal(checkName(name, "win32"))).toBe(code);
  });

  it("accepts names that only look like device names", () => {
    for (const name of ["CONSOLE", "com10", "COM", "lpt", "xcon", "con-fig.txt", "COM\u2074", ".con", "auxiliary.txt", "name. x", "a.b"]) {
      expect(checkName(name, "win32"), name).toEqual({ ok: true, warnings: [] });
    }
  });

  it("says why in a message that never contains the name", () => {
    for (const name of ["..\\..\\evil", "C:\\x", "CON", "com1.txt", "a:b", "draft.", "draft ", "a*b", "tab\there"]) {
      const check = checkName(name, "win32");
      expect(check.ok).toBe(false);
      if (check.ok) continue;
      expect(check.reason.message.length).toBeGreaterThan(10);
      expect(check.reason.message).not.toContain(name);
      expect(check.reason.message).not.toContain(name.trim());
    }
  });
});

describe("checkName: siblings that the file system would take for the same name", () => {
  it("refuses two names differing only in case on macOS and Windows, not on Linux", () => {
    const siblings = ["notes.txt", "Report.PDF"];
    for (const platform of ["darwin", "win32"] as const) {
      const check = checkName("report.pdf", platform, siblings);
      expect(check.ok, platform).toBe(false);
      if (check.ok) continue;
      expect(check.reason).toMatchObject({ code: "collision", sibling: 1 });
      expect(check.reason.message).not.toMatch(/report/i);
    }
    expect(checkName("report.pdf", "linux", siblings)).toEqual({ ok: true, warnings: [] });
  });

  it("refuses NFC next to NFD of the same text on macOS and Windows, not on Linux", () => {
    expect(NFC_E).not.toBe(NFD_E);
    for (const platform of ["darwin", "win32"] as const) {
      expect(refusal(checkName(`caf${NFC_E}`, platform, [`caf${NFD_E}`])), platform).toBe("collision");
      expect(refusal(checkName(`caf${NFD_E}`, platform, [`caf${NFC_E}`])), platform).toBe("collision");
      expect(refusal(checkName(`CAF${NFD_E.toUpperCase()}`, platform, [`caf${NFC_E}`])), platform).toBe("collision");
    }
    expect(checkName(`caf${NFC_E}`, "linux", [`caf${NFD_E}`]).ok).toBe(true);
  });

  it("refuses an identical sibling everywhere and accepts distinct ones", () => {
    for (const platform of PLATFORMS) {
      expect(refusal(checkName("a.txt", platform, ["b.txt", "a.txt"])), platform).toBe("collision");
      expect(checkName("a.txt", platform, ["b.txt", "a.txt.bak", "aa.txt"]).ok, platform).toBe(true);
    }
  });

  it("folds case one letter to one letter, as the file systems do (ß is not SS)", () => {
    expect(checkName("stra\u00dfe", "win32", ["STRASSE"]).ok).toBe(true);
    expect(refusal(checkName("\u00c9T\u00c9", "darwin", ["\u00e9t\u00e9"]))).toBe("collision");
  });

  it("reports the format problem before a collision", () => {
    expect(refusal(checkName("CON", "win32", ["con"]))).toBe("reserved-device-name");
  });
});

describe("checkName: bidirectional controls", () => {
  it("warns about U+202E (right-to-left override) but does not refuse it", () => {
    const spoof = "invoice\u202Efdp.exe"; // shows as "invoiceexe.pdf"
    for (const platform of PLATFORMS) {
      const check = checkName(spoof, platform);
      expect(check.ok, platform).toBe(true);
      expect(check.warnings).toEqual([{ code: "suspicious", reason: "bidi-control", message: expect.any(String) as string }]);
      expect(check.warnings[0]?.message).not.toContain(spoof);
    }
  });

  it("warns for every control of U+202A–U+202E and U+2066–U+2069, and only those", () => {
    const controls = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
    for (const cp of controls) expect(checkName(`a${String.fromCodePoint(cp)}b`, "linux").warnings, cp.toString(16)).toHaveLength(1);
    for (const cp of [0x2029, 0x202f, 0x2065, 0x206a]) expect(checkName(`a${String.fromCodePoint(cp)}b`, "linux").warnings).toEqual([]);
  });

  it("keeps the warning beside a refusal", () => {
    const check = checkName("a\u202e:b", "win32");
    expect(refusal(check)).toBe("colon");
    expect(check.warnings).toHaveLength(1);
  });
});

describe("isInsideFolder", () => {
  it("keeps relative paths below the folder and refuses climbing out (POSIX)", () => {
    const root = "/home/ada/SyncAgent";
    expect(isInsideFolder(root, "notes/today.txt", "linux")).toBe(true);
    expect(isInsideFolder(root, "a/../b", "linux")).toBe(true);
    expect(isInsideFolder(root, "..foo", "linux")).toBe(true);
    expect(isInsideFolder(root, "/home/ada/SyncAgent/x", "linux")).toBe(true);
    expect(isInsideFolder(root, "../evil", "linux")).toBe(false);
    expect(isInsideFolder(root, "a/../../evil", "darwin")).toBe(false);
    expect(isInsideFolder(root, "/etc/passwd", "linux")).toBe(false);
    expect(isInsideFolder(root, "/home/ada/SyncAgent-other/x", "linux")).toBe(false);
    expect(isInsideFolder(root, "", "linux")).toBe(false);
    expect(isInsideFolder(root, ".", "linux")).toBe(false);
    expect(isInsideFolder(root, "a\0b", "linux")).toBe(false);
    // A backslash is a letter of the name on Linux: `..\..\evil` is one file inside the folder.
    expect(isInsideFolder(root, "..\\..\\evil", "linux")).toBe(true);
    // macOS keeps the case of the comparison: the safe side.
    expect(isInsideFolder(root, "/home/ada/syncagent/x", "darwin")).toBe(false);
  });

  it("refuses ..\\..\\evil, another drive, UNC and drive-relative paths on Windows", () => {
    const root = "C:\\Users\\Ada\\SyncAgent";
    expect(isInsideFolder(root, "notes\\today.txt", "win32")).toBe(true);
    expect(isInsideFolder(root, "notes/today.txt", "win32")).toBe(true);
    expect(isInsideFolder(root, "c:\\users\\ada\\syncagent\\x", "win32")).toBe(true);
    expect(isInsideFolder(root, "..\\..\\evil", "win32")).toBe(false);
    expect(isInsideFolder(root, "a\\..\\..\\evil", "win32")).toBe(false);
    expect(isInsideFolder(root, "C:\\x", "win32")).toBe(false);
    expect(isInsideFolder(root, "D:\\Users\\Ada\\SyncAgent\\x", "win32")).toBe(false);
    expect(isInsideFolder(root, "\\x", "win32")).toBe(false);
    expect(isInsideFolder(root, "\\\\server\\share\\x", "win32")).toBe(false);
    expect(isInsideFolder(root, "C:x", "win32")).toBe(false);
    expect(isInsideFolder(root, "\\\\?\\C:\\Windows", "win32")).toBe(false);
  });

  it("refuses a device name as any segment on Windows (it opens the device)", () => {
    const root = "C:\\Users\\Ada\\SyncAgent";
    expect(isInsideFolder(root, "CON", "win32")).toBe(false);
    expect(isInsideFolder(root, "sub\\com1.txt", "win32")).toBe(false);
    expect(isInsideFolder(root, "sub\\console.txt", "win32")).toBe(true);
  });

  it("needs an absolute root", () => {
    expect(() => isInsideFolder("SyncAgent", "x", "linux")).toThrow(TypeError);
    expect(() => isInsideFolder("\\Users\\Ada", "x", "win32")).toThrow(TypeError);
    expect(() => isInsideFolder("C:Users", "x", "win32")).toThrow(TypeError);
    expect(isInsideFolder("\\\\server\\share\\Sync", "x", "win32")).toBe(true);
  });

  it("uses the rules of the platform it runs on by default", () => {
    const root = process.platform === "win32" ? "C:\\Sync" : "/tmp/Sync";
    expect(isInsideFolder(root, "a")).toBe(true);
    expect(isInsideFolder(root, "../a")).toBe(false);
  });
});
