// Paths and names: the server sees opaque path ids and deterministic,
// parent-bound encrypted names; paths outside the folder are refused (C5).
import { describe, expect, it } from "vitest";
import { InvalidPathError, UnsupportedVersionError } from "../../lib/crypto/errors.ts";
import { decryptName, encryptName } from "../../lib/crypto/names.ts";
import { baseName, normalizePath, parentPath, pathId } from "../../lib/crypto/paths.ts";
import { katKeys, otherKeys } from "./fixtures.ts";

describe("paths", () => {
  it("normalises to NFC with / separators", () => {
    expect(normalizePath("Cafe\u0301/notes.txt")).toBe("Caf\u00e9/notes.txt");
    expect(normalizePath("")).toBe("");
    expect(parentPath("a/b/c.txt")).toBe("a/b");
    expect(parentPath("c.txt")).toBe("");
    expect(baseName("a/b/c.txt")).toBe("c.txt");
  });

  it.each(["/etc/passwd", "../outside", "a/../../b", "a//b", "a/./b", "a/", "a\0b", "x".repeat(256)])(
    "refuses %j with a clear error",
    (path) => {
      expect(() => normalizePath(path)).toThrow(InvalidPathError);
    },
  );

  it("gives equal ids to canonically equal paths and different ids across vaults", async () => {
    const keys = await katKeys();
    expect(await pathId(keys, "Cafe\u0301")).toBe(await pathId(keys, "Caf\u00e9"));
    expect(await pathId(keys, "a")).not.toBe(await pathId(keys, "A"));
    expect(await pathId(await otherKeys(), "a")).not.toBe(await pathId(keys, "a"));
    expect(await pathId(keys, "a")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("names", () => {
  it("are deterministic per folder and differ between folders", async () => {
    const keys = await katKeys();
    const a = await pathId(keys, "a");
    const b = await pathId(keys, "b");
    expect(encryptName(keys, a, "x.txt")).toBe(encryptName(keys, a, "x.txt"));
    expect(encryptName(keys, a, "x.txt")).not.toBe(encryptName(keys, b, "x.txt"));
    expect(encryptName(keys, a, "e\u0301")).toBe(encryptName(keys, a, "\u00e9"));
  });

  it("round-trip unicode names and refuse invalid ones", async () => {
    const keys = await katKeys();
    const parent = await pathId(keys, "");
    for (const name of ["résumé.pdf", "日本語.txt", "emoji 😀", ".hidden", "a".repeat(255)]) {
      expect(decryptName(keys, parent, encryptName(keys, parent, name))).toBe(name);
    }
    expect(() => encryptName(keys, parent, "a/b")).toThrow(InvalidPathError);
    expect(() => encryptName(keys, parent, "..")).toThrow(InvalidPathError);
  });

  it("refuse an unknown format version", async () => {
    const keys = await katKeys();
    const parent = await pathId(keys, "");
    const raw = Buffer.from(encryptName(keys, parent, "x"), "base64url");
    raw[0] = 9;
    expect(() => decryptName(keys, parent, raw.toString("base64url"))).toThrow(UnsupportedVersionError);
  });
});
