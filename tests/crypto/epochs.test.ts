// Key epochs (C8): addEpoch re-wraps the keyring under the same root key and
// makes the new epoch current; old data stays readable; every object names
// its epoch, and vault id and epoch are in every associated data.
import { describe, expect, it } from "vitest";
import { readU32be, toHex, utf8 } from "../../lib/crypto/bytes.ts";
import { decryptChunk, encryptChunk } from "../../lib/crypto/chunk.ts";
import { IntegrityError, UnknownEpochError } from "../../lib/crypto/errors.ts";
import { FILE_HEADER_BYTES } from "../../lib/crypto/key-file-layout.ts";
import { addEpoch, openWithPassword, openWithRecoveryKey, readKeyFileHeader } from "../../lib/crypto/key-file.ts";
import { decryptManifest, encryptManifest } from "../../lib/crypto/manifest.ts";
import { decryptName, encryptName } from "../../lib/crypto/names.ts";
import { newNodeId, ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { parseRecoveryKey } from "../../lib/crypto/recovery-key.ts";
import { createVault } from "../../lib/crypto/vault.ts";
import { dirManifest, rejection } from "./fixtures.ts";

describe("key epochs", () => {
  it("adds an epoch under the same root key: new writes use it, old data stays readable", async () => {
    const { keyFile, vault, recoveryKey } = await createVault("pw");
    const old = vault.keyring.current;
    expect(old.epoch).toBe(1);
    const oldChunk = await encryptChunk(old, utf8("written in epoch 1"));
    const nodeId = newNodeId();
    const oldManifest = await encryptManifest(old, dirManifest(), { nodeId, version: 1 });
    const oldName = encryptName(old, ROOT_NODE_ID, "Documents");

    const next = await addEpoch(keyFile, vault);
    const ring = next.vault.keyring;
    expect(ring.epochs).toEqual([1, 2]);
    expect(ring.current.epoch).toBe(2);
    expect(next.vault.revision).toBe(vault.revision + 1);
    expect(readKeyFileHeader(next.keyFile).revision).toBe(2);
    // Same root key: the password, the recovery key and the fingerprint are unchanged, and the slots are kept byte for byte.
    const byPassword = await openWithPassword(next.keyFile, "pw", { vaultId: vault.vaultId, fingerprint: vault.fingerprint, minRevision: 2 });
    expect(byPassword.keyring.epochs).toEqual([1, 2]);
    const byRecovery = await openWithRecoveryKey(next.keyFile, await parseRecoveryKey(recoveryKey), { vaultId: vault.vaultId, firstOpen: true as const });
    expect(toHex(byRecovery.rootKey)).toBe(toHex(vault.rootKey));
    const slotsEnd = FILE_HEADER_BYTES + 3 + 118 + 3 + 108;
    expect(toHex(next.keyFile.subarray(FILE_HEADER_BYTES, slotsEnd))).toBe(toHex(keyFile.subarray(FILE_HEADER_BYTES, slotsEnd)));

    // Old data opens with the new keyring.
    expect(await decryptChunk(ring, oldChunk.id, oldChunk.data)).toEqual(utf8("written in epoch 1"));
    expect((await decryptManifest(ring, oldManifest, { nodeId, version: 1 })).name).toBe("Documents");
    expect(decryptName(ring, ROOT_NODE_ID, oldName)).toBe("Documents");

    // New data carries epoch 2; a machine still on the old keyring cannot read it.
    const newChunk = await encryptChunk(ring.current, utf8("written in epoch 2"));
    expect(readU32be(newChunk.data, 1)).toBe(2);
    expect(newChunk.id).not.toBe((await encryptChunk(old, utf8("written in epoch 2"))).id);
    const stale = await rejection(decryptChunk(vault.keyring, newChunk.id, newChunk.data));
    expect(stale).toBeInstanceOf(UnknownEpochError);
    expect((stale as Error).message).toMatch(/key epoch 2 is not in this keyring/);
    // The same name under another epoch is another ciphertext (no collision at the server).
    expect(encryptName(ring.current, ROOT_NODE_ID, "Documents")).not.toBe(oldName);
  });

  it("refuses an object whose epoch was relabelled", async () => {
    const { keyFile, vault } = await createVault("pw");
    const { vault: next } = await addEpoch(keyFile, vault);
    const chunk = await encryptChunk(next.keyring.current, utf8("epoch 2 data"));
    const relabelled = new Uint8Array(chunk.data);
    new DataView(relabelled.buffer).setUint32(1, 1);
    expect(await rejection(decryptChunk(next.keyring, chunk.id, relabelled))).toBeInstanceOf(IntegrityError);
  });

  it("updates only the revision it was opened from, so two files never share a revision", async () => {
    const { keyFile, vault } = await createVault("pw");
    const next = await addEpoch(keyFile, vault);
    const error = await rejection(addEpoch(keyFile, next.vault));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/revision 1, but the vault was opened from revision 2/);
    const third = await addEpoch(next.keyFile, next.vault);
    expect(third.vault.keyring.epochs).toEqual([1, 2, 3]);
    expect(third.vault.revision).toBe(3);
  });

  it("refuses the key file from before the epoch was added once the newer revision was seen", async () => {
    const { keyFile, vault } = await createVault("pw");
    const next = await addEpoch(keyFile, vault);
    const error = await rejection(openWithPassword(keyFile, "pw", { vaultId: vault.vaultId, minRevision: next.vault.revision, fingerprint: vault.fingerprint }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/older than revision 2/);
  });
});
