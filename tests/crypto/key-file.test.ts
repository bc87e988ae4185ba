// Key file v2: the password and recovery slots wrap a root key that opens
// the keyring; a password change re-wraps only the password slot; the file
// is bound to its vault, its root key's fingerprint and a revision counter
// (C1, C4, C7, C8).
import { describe, expect, it } from "vitest";
import { randomBytes, toHex, utf8 } from "../../lib/crypto/bytes.ts";
import { decryptChunk, encryptChunk } from "../../lib/crypto/chunk.ts";
import { IntegrityError, InvalidRecoveryKeyError, UnsupportedVersionError, WrongPasswordError } from "../../lib/crypto/errors.ts";
import { formatFingerprint } from "../../lib/crypto/fingerprint.ts";
import { DEFAULT_ARGON2 } from "../../lib/crypto/kdf.ts";
import { FILE_HEADER_BYTES, REVISION_OFFSET } from "../../lib/crypto/key-file-layout.ts";
import {
  buildKeyFile,
  changePassword,
  openWithPassword,
  openWithRecoveryKey,
  openWithRootKey,
  readKeyFileHeader,
  rewrapPassword,
} from "../../lib/crypto/key-file.ts";
import { parseRecoveryKey } from "../../lib/crypto/recovery-key.ts";
import { createVault } from "../../lib/crypto/vault.ts";
import { rejection } from "./fixtures.ts";

/** Bytes of a slot's own header (type, length) in the file. */
const SLOT_FRAME = 3;

describe("key file", () => {
  it("stores Argon2id parameters of at least 64 MiB and 3 passes in the file", async () => {
    const { keyFile } = await createVault("pw");
    const view = new DataView(keyFile.buffer);
    const slot = FILE_HEADER_BYTES + SLOT_FRAME;
    expect(keyFile[FILE_HEADER_BYTES]).toBe(1); // slot type: password
    expect(view.getUint8(slot)).toBe(1); // KDF id: Argon2id
    expect(view.getUint32(slot + 1)).toBe(DEFAULT_ARGON2.memoryKiB);
    expect(view.getUint32(slot + 1)).toBeGreaterThanOrEqual(64 * 1024);
    expect(view.getUint32(slot + 5)).toBeGreaterThanOrEqual(3);
  });

  it("changes the password without changing the root key, the recovery slot or the keyring, and bumps the revision", async () => {
    const { keyFile, vault, recoveryKey } = await createVault("old password");
    const expect_ = { vaultId: vault.vaultId, firstOpen: true as const };
    const next = await changePassword(keyFile, "old password", "new password", expect_);
    const reopened = await openWithPassword(next, "new password", expect_);
    expect(toHex(reopened.rootKey)).toBe(toHex(vault.rootKey));
    expect(reopened.revision).toBe(vault.revision + 1);
    expect(reopened.keyring.epochs).toEqual(vault.keyring.epochs);
    expect(await rejection(openWithPassword(next, "old password", expect_))).toBeInstanceOf(WrongPasswordError);
    const secret = await parseRecoveryKey(recoveryKey);
    expect(toHex((await openWithRecoveryKey(next, secret, expect_)).rootKey)).toBe(toHex(vault.rootKey));
    expect(await rejection(changePassword(keyFile, "not it", "x", expect_))).toBeInstanceOf(WrongPasswordError);
    // Only the password slot and the revision changed: the recovery slot and the keyring are byte for byte the same.
    const passwordSlotEnd = FILE_HEADER_BYTES + SLOT_FRAME + 26 + 92;
    expect(toHex(next.subarray(passwordSlotEnd, next.length - 32))).toBe(toHex(keyFile.subarray(passwordSlotEnd, keyFile.length - 32)));
    expect(toHex(next.subarray(0, REVISION_OFFSET))).toBe(toHex(keyFile.subarray(0, REVISION_OFFSET)));
  });

  it("resets a lost password with the printed recovery key", async () => {
    const { keyFile, vault, recoveryKey } = await createVault("forgotten");
    const typed = recoveryKey.toLowerCase().replace(/-/g, " ");
    const recovered = await openWithRecoveryKey(keyFile, await parseRecoveryKey(typed), { vaultId: vault.vaultId, firstOpen: true as const });
    const reset = await rewrapPassword(keyFile, recovered, "brand new");
    const reopened = await openWithPassword(reset, "brand new", { vaultId: vault.vaultId, minRevision: 2, fingerprint: vault.fingerprint });
    expect(toHex(reopened.rootKey)).toBe(toHex(vault.rootKey));
    expect(reopened.revision).toBe(2);
    // Only the password slot was re-wrapped: the recovery slot and the keyring are byte for byte the same.
    const passwordSlotEnd = FILE_HEADER_BYTES + SLOT_FRAME + 26 + 92;
    expect(toHex(reset.subarray(passwordSlotEnd, reset.length - 32))).toBe(toHex(keyFile.subarray(passwordSlotEnd, keyFile.length - 32)));
  });

  it("normalises the password to NFC so it opens on every platform", async () => {
    const { keyFile, vault } = await createVault("caf\u00e9");
    expect(toHex((await openWithPassword(keyFile, "cafe\u0301", { vaultId: vault.vaultId, firstOpen: true as const })).rootKey)).toBe(toHex(vault.rootKey));
  });

  it("refuses another vault's recovery key and a mistyped one", async () => {
    const one = await createVault("a");
    const two = await createVault("b");
    const wrong = await rejection(openWithRecoveryKey(one.keyFile, await parseRecoveryKey(two.recoveryKey), { vaultId: one.vault.vaultId, firstOpen: true as const }));
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

  it("prints a recovery key of 256 bits in readable groups, and a fingerprint to compare", async () => {
    const { recoveryKey, vault, fingerprintText } = await createVault("pw");
    expect(recoveryKey).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){10}[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(vault.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(formatFingerprint(vault.fingerprint)).toMatch(/^([0-9a-f]{4}-){7}[0-9a-f]{4}$/);
    // Printed next to the recovery key, for a fresh device's first unlock to be confirmed against.
    expect(fingerprintText).toBe(formatFingerprint(vault.fingerprint));
  });
});

describe("key file binding (vault, revision, fingerprint)", () => {
  it("shows its public header and opens with the root key alone (kept by the OS keyring), not with another", async () => {
    const { keyFile, vault } = await createVault("pw");
    expect(readKeyFileHeader(keyFile)).toEqual({ vaultId: vault.vaultId, fingerprint: vault.fingerprint, revision: 1, minFormat: 2 });
    expect(keyFile.length).toBe(407);
    const reopened = await openWithRootKey(keyFile, vault.rootKey, { vaultId: vault.vaultId, fingerprint: vault.fingerprint, minRevision: 1 });
    expect(reopened.keyring.current.epoch).toBe(1);
    const other = await createVault("pw");
    expect(await rejection(openWithRootKey(keyFile, other.vault.rootKey, { vaultId: vault.vaultId, firstOpen: true as const }))).toBeInstanceOf(IntegrityError);
  });

  it("carries the minimum object format under its MAC: a format this build cannot read is refused, a lower one is honoured", async () => {
    const base = { vaultId: "ab".repeat(16), rootKey: randomBytes(32), recoverySecret: randomBytes(32), password: "pw", epochSecrets: new Map([[1, randomBytes(32)]]) };
    const future = await buildKeyFile({ ...base, minFormat: 3 });
    const error = await rejection(openWithRootKey(future, base.rootKey, { vaultId: base.vaultId, firstOpen: true as const }));
    expect(error).toBeInstanceOf(UnsupportedVersionError);
    expect((error as Error).message).toMatch(/needs object format 3/);
    const lenient = await openWithRootKey(await buildKeyFile({ ...base, minFormat: 1 }), base.rootKey, { vaultId: base.vaultId, firstOpen: true as const });
    expect(lenient.keyring.minFormat).toBe(1);
    const chunk = await encryptChunk(lenient.keyring.current, utf8("x"));
    chunk.data[0] = 1; // not below this vault's minimum, but a format this build does not read
    expect(await rejection(decryptChunk(lenient.keyring, chunk.id, chunk.data))).toBeInstanceOf(UnsupportedVersionError);
  });

  it("refuses the key file of another vault with the same password", async () => {
    const mine = await createVault("same password");
    const theirs = await createVault("same password");
    const error = await rejection(openWithPassword(theirs.keyFile, "same password", { vaultId: mine.vault.vaultId, firstOpen: true as const }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toBe("Cannot open key file: it belongs to another vault");
    // Relabelling the other file with my vault id does not help: the slot AD and the MAC bind the id.
    const relabelled = new Uint8Array(theirs.keyFile);
    relabelled.set(mine.keyFile.subarray(5, 21), 5);
    expect(await rejection(openWithPassword(relabelled, "same password", { vaultId: mine.vault.vaultId, firstOpen: true as const }))).toBeInstanceOf(IntegrityError);
  });

  it("refuses the copy from before a password change once the newer revision was seen", async () => {
    const { keyFile, vault } = await createVault("before");
    const after = await changePassword(keyFile, "before", "after", { vaultId: vault.vaultId, firstOpen: true as const });
    const seen = readKeyFileHeader(after).revision;
    expect(seen).toBe(2);
    await openWithPassword(after, "after", { vaultId: vault.vaultId, minRevision: seen, fingerprint: vault.fingerprint });
    const error = await rejection(openWithPassword(keyFile, "before", { vaultId: vault.vaultId, minRevision: seen, fingerprint: vault.fingerprint }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/revision 1, older than revision 2 already seen/);
    // Raising the revision field of the old copy breaks its MAC.
    const bumped = new Uint8Array(keyFile);
    new DataView(bumped.buffer).setUint32(REVISION_OFFSET, 2);
    expect(await rejection(openWithPassword(bumped, "before", { vaultId: vault.vaultId, minRevision: seen, fingerprint: vault.fingerprint }))).toBeInstanceOf(IntegrityError);
  });

  it("refuses a key file whose root key fingerprint changed (same vault id, same password)", async () => {
    const mine = await createVault("pw");
    const impostor = await createVault("pw", { vaultId: mine.vault.vaultId });
    const expect_ = { vaultId: mine.vault.vaultId, fingerprint: mine.vault.fingerprint, minRevision: 1 };
    const error = await rejection(openWithPassword(impostor.keyFile, "pw", expect_));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/fingerprint changed/);
    // The header's fingerprint copied from mine: the recomputed fingerprint (and the MAC) differ.
    const forged = new Uint8Array(impostor.keyFile);
    forged.set(mine.keyFile.subarray(21, 37), 21);
    expect(await rejection(openWithPassword(forged, "pw", expect_))).toBeInstanceOf(IntegrityError);
  });

  it("needs the revision and fingerprint seen, or an explicit firstOpen (no check is skipped by leaving fields out)", async () => {
    const { keyFile, vault } = await createVault("pw");
    // @ts-expect-error the expectation needs minRevision and fingerprint, or firstOpen: true
    const bare = await rejection(openWithRootKey(keyFile, vault.rootKey, { vaultId: vault.vaultId }));
    expect(bare).toBeInstanceOf(TypeError);
    // @ts-expect-error a fingerprint without a revision is not an expectation either
    const half = await rejection(openWithRootKey(keyFile, vault.rootKey, { vaultId: vault.vaultId, fingerprint: vault.fingerprint }));
    expect(half).toBeInstanceOf(TypeError);
    const first = await openWithRootKey(keyFile, vault.rootKey, { vaultId: vault.vaultId, firstOpen: true });
    expect(first.fingerprint).toBe(vault.fingerprint);
    const known = await openWithRootKey(keyFile, vault.rootKey, { vaultId: vault.vaultId, minRevision: first.revision, fingerprint: first.fingerprint });
    expect(known.revision).toBe(1);
  });
});
