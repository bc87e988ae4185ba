// Paths, node ids and names: the server sees random node ids and
// deterministic, parent-bound, padded encrypted names; paths outside the
// folder are refused, and no error message echoes a name (C5).
import { describe, expect, it, vi } from "vitest";
import { IntegrityError, InvalidPathError, UnsupportedVersionError } from "../../lib/crypto/errors.ts";
import { decryptName, encryptName, MAX_ENCRYPTED_NAME_CHARS } from "../../lib/crypto/names.ts";
import { isNodeId, newNodeId, ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { baseName, normalizeName, normalizePath, parentPath } from "../../lib/crypto/paths.ts";
import { encryptManifest } from "../../lib/crypto/manifest.ts";
import { fileManifest, katKeyring, otherKeyring, otherVaultKeyring } from "./fixtures.ts";

const A = "a".repeat(32);
const B = "b".repeat(32);

describe("paths", () => {
  it("normalises to NFC with / separators", () => {
    expect(normalizePath("Cafe\u0301/notes.txt")).toBe("Caf\u00e9/notes.txt");
    expect(normalizePath("")).toBe("");
    expect(parentPath("a/b/c.txt")).toBe("a/b");
    expect(parentPath("c.txt")).toBe("");
    expect(baseName("a/b/c.txt")).toBe("c.txt");
  });

  it.each(["/etc/passwd", "../outside", "a/../../b", "a//b", "a/./b", "a/", "a\0b", "x".repeat(256)])(
    "refuses %j with a clear error that does not echo it",
    (path) => {
      expect(() => normalizePath(path)).toThrow(InvalidPathError);
      try {
        normalizePath(path);
      } catch (error) {
        expect((error as Error).message).not.toContain(path);
        expect((error as Error).message).toMatch(/^Invalid (path|name): /);
      }
    },
  );

  it("refuses lone surrogates, which UTF-8 would turn into U+FFFD (two names, one ciphertext), and keeps paired ones", async () => {
    for (const name of ["a\ud800", "\udc00b", "x\udfff\ud800y", "\ud83d"]) {
      expect(() => normalizeName(name), JSON.stringify(name)).toThrow(/lone UTF-16 surrogate/);
      expect(() => normalizePath(`dir/${name}`)).toThrow(InvalidPathError);
    }
    expect(normalizeName("a\ud83d\ude00")).toBe("a\u{1f600}"); // a well-formed pair: an emoji
    expect(normalizeName("a\ufffd")).toBe("a\ufffd");
    const ring = await katKeyring();
    expect(() => encryptName(ring.current, ROOT_NODE_ID, "a\ud800")).toThrow(InvalidPathError);
    expect(encryptName(ring.current, ROOT_NODE_ID, "a\ufffd")).toMatch(/^[A-Za-z0-9_-]+$/);
    await expect(fileManifest(ring, { name: "a\ud800" }).then((m) => encryptManifest(ring.current, m, { nodeId: newNodeId(), version: 1 }))).rejects.toThrow();
  });

  it("never puts the name into an error message", () => {
    for (const name of ["secret-plan/x", "..", "salary\0.xlsx", "confidential-".repeat(30)]) {
      try {
        normalizeName(name);
        throw new Error("accepted");
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidPathError);
        expect((error as Error).message).not.toMatch(/secret|salary|confidential/);
      }
    }
  });
});

describe("node ids", () => {
  it("are 128 random bits in lowercase hex, never the root's", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newNodeId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe(ROOT_NODE_ID);
    }
    expect(ROOT_NODE_ID).toBe("0".repeat(32));
    expect(isNodeId(ROOT_NODE_ID)).toBe(true);
    expect(isNodeId("")).toBe(false);
    expect(isNodeId("A".repeat(32))).toBe(false);
  });
});

describe("newNodeId", () => {
  it("draws again rather than return the root's id", () => {
    const spy = vi.spyOn(crypto, "getRandomValues").mockImplementationOnce(<T extends ArrayBufferView | null>(array: T): T => array);
    try {
      const id = newNodeId(0); // a clock at 0 and a first draw of zeros make the root's id; the second draw is random
      expect(id).not.toBe(ROOT_NODE_ID);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("names", () => {
  it("are deterministic per folder and differ between folders, epochs and vaults", async () => {
    const ring = await katKeyring();
    const keys = ring.current;
    expect(encryptName(keys, A, "x.txt")).toBe(encryptName(keys, A, "x.txt"));
    expect(encryptName(keys, A, "x.txt")).not.toBe(encryptName(keys, B, "x.txt"));
    expect(encryptName(keys, A, "e\u0301")).toBe(encryptName(keys, A, "\u00e9"));
    expect(encryptName((await otherVaultKeyring()).current, A, "x.txt")).not.toBe(encryptName(keys, A, "x.txt"));
  });

  it("round-trip unicode names and refuse invalid ones without echoing them", async () => {
    const ring = await katKeyring();
    for (const name of ["résumé.pdf", "日本語.txt", "emoji 😀", ".hidden", "a".repeat(255)]) {
      expect(decryptName(ring, ROOT_NODE_ID, encryptName(ring.current, ROOT_NODE_ID, name))).toBe(name);
    }
    expect(() => encryptName(ring.current, ROOT_NODE_ID, "a/b")).toThrow(InvalidPathError);
    expect(() => encryptName(ring.current, ROOT_NODE_ID, "..")).toThrow(InvalidPathError);
    expect(() => encryptName(ring.current, "", "x")).toThrow(RangeError);
  });

  it("are padded to 32-byte buckets: lengths 1 to 31 look the same, and a 255-byte name fits the server's bound", async () => {
    const keys = (await katKeyring()).current;
    const short = new Set(["a", "ab", "a".repeat(15), "a".repeat(31)].map((n) => encryptName(keys, A, n).length));
    expect(short.size).toBe(1);
    expect(encryptName(keys, A, "a".repeat(32)).length).toBeGreaterThan([...short][0]!);
    const longest = encryptName(keys, A, "\u00e9".repeat(127) + "a");
    expect(Buffer.from(longest, "base64url").length).toBe(5 + 16 + 256);
    expect(longest.length).toBe(MAX_ENCRYPTED_NAME_CHARS);
    expect(MAX_ENCRYPTED_NAME_CHARS).toBe(370);
  });

  it("refuse another vault's name, an unknown format version and a downgraded one", async () => {
    const ring = await katKeyring();
    const name = encryptName(ring.current, ROOT_NODE_ID, "x");
    const sameSecretOtherVault = encryptName((await otherVaultKeyring()).current, ROOT_NODE_ID, "x");
    const otherVault = encryptName((await otherKeyring()).current, ROOT_NODE_ID, "x");
    expect(() => decryptName(ring, ROOT_NODE_ID, sameSecretOtherVault)).toThrow(IntegrityError);
    expect(() => decryptName(ring, ROOT_NODE_ID, otherVault)).toThrow(IntegrityError);
    const raw = Buffer.from(name, "base64url");
    raw[0] = 9;
    expect(() => decryptName(ring, ROOT_NODE_ID, raw.toString("base64url"))).toThrow(UnsupportedVersionError);
    raw[0] = 1;
    expect(() => decryptName(ring, ROOT_NODE_ID, raw.toString("base64url"))).toThrow(/below this vault's minimum 2/);
    // Another spelling of the same bytes (padding, or stray low bits in the last character) is refused.
    expect(() => decryptName(ring, ROOT_NODE_ID, `${name}=`)).toThrow(IntegrityError);
    const last = name.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const stray = name.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(stray, "base64url")).toEqual(Buffer.from(name, "base64url"));
    expect(() => decryptName(ring, ROOT_NODE_ID, stray)).toThrow(IntegrityError);
  });
});
