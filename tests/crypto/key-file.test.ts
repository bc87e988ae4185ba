// Key hierarchy: password change re-wraps only, the recovery key resets a
// lost password on a new machine, Argon2id parameters are stored and pinned
// (C1, C4, C7).
import { describe, expect, it } from "vitest";
import { toHex } from "../../lib/crypto/bytes.ts";
import { InvalidRecoveryKeyError, WrongPasswordError } from "../../lib/crypto/errors.ts";
import { changePassword, rewrapPassword, unwrapWithPassword, unwrapWithRecoveryKey } from "../../lib/crypto/key-file.ts";
import { DEFAULT_ARGON2 } from "../../lib/crypto/kdf.ts";
import { parseRecoveryKey } from "../../lib/crypto/recovery-key.ts";
import { createVault } from "../../lib/crypto/vault.ts";
import { rejection } from "./fixtures.ts";

describe("key file", () => {
  it("stores Argon2id parameters of at least 64 MiB and 3 passes in the file", async () => {
    const vault = await createVault("pw");
    const view = new DataView(vault.keyFile.buffer);
    expect(view.getUint8(9)).toBe(1); // KDF id: Argon2id
    expect(view.getUint32(10)).toBe(DEFAULT_ARGON2.memoryKiB);
    expect(view.getUint32(10)).toBeGreaterThanOrEqual(64 * 1024);
    expect(view.getUint32(14)).toBeGreaterThanOrEqual(3);
  });

  it("changes the password without changing the master key or the recovery slot", async () => {
    const vault = await createVault("old password");
    const next = await changePassword(vault.keyFile, "old password", "new password");
    expect(toHex(await unwrapWithPassword(next, "new password"))).toBe(toHex(vault.masterKey));
    expect(await rejection(unwrapWithPassword(next, "old password"))).toBeInstanceOf(WrongPasswordError);
    const secret = await parseRecoveryKey(vault.recoveryKey);
    expect(toHex(await unwrapWithRecoveryKey(next, secret))).toBe(toHex(vault.masterKey));
    expect(await rejection(changePassword(vault.keyFile, "not it", "x"))).toBeInstanceOf(WrongPasswordError);
  });

  it("resets a lost password with the printed recovery key", async () => {
    const vault = await createVault("forgotten");
    const typed = vault.recoveryKey.toLowerCase().replace(/-/g, " ");
    const masterKey = await unwrapWithRecoveryKey(vault.keyFile, await parseRecoveryKey(typed));
    const reset = await rewrapPassword(vault.keyFile, masterKey, "brand new");
    expect(toHex(await unwrapWithPassword(reset, "brand new"))).toBe(toHex(vault.masterKey));
  });

  it("normalises the password to NFC so it opens on every platform", async () => {
    const vault = await createVault("caf\u00e9");
    expect(toHex(await unwrapWithPassword(vault.keyFile, "cafe\u0301"))).toBe(toHex(vault.masterKey));
  });

  it("refuses another vault's recovery key and a mistyped one", async () => {
    const one = await createVault("a");
    const two = await createVault("b");
    const wrong = await rejection(unwrapWithRecoveryKey(one.keyFile, await parseRecoveryKey(two.recoveryKey)));
    expect(wrong).toBeInstanceOf(WrongPasswordError);
    expect((wrong as Error).message).toMatch(/recovery key/);
    const chars = one.recoveryKey.split("");
    chars[3] = chars[3] === "A" ? "B" : "A";
    const typo = await rejection(parseRecoveryKey(chars.join("")));
    expect(typo).toBeInstanceOf(InvalidRecoveryKeyError);
    expect((typo as Error).message).toMatch(/mistyped/);
    expect(await rejection(parseRecoveryKey(one.recoveryKey.slice(0, -6)))).toBeInstanceOf(InvalidRecoveryKeyError);
    expect(await rejection(parseRecoveryKey(one.recoveryKey.replace(/^./, "U")))).toBeInstanceOf(InvalidRecoveryKeyError);
  });

  it("prints a recovery key of 256 bits in readable groups", async () => {
    const { recoveryKey } = await createVault("pw");
    expect(recoveryKey).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){10}[0-9A-HJKMNP-TV-Z]{5}$/);
  });
});
