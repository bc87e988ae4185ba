import { importSealKey, open, seal, type SealKey } from "./aead.ts";
import { concatBytes, readU32be, u32be, utf8 } from "./bytes.ts";
import { IntegrityError } from "./errors.ts";
import { hkdf } from "./kdf.ts";
import { SECRET_BYTES } from "./subkeys.ts";

/**
 * The sealed keyring inside the key file: epoch number → 32-byte epoch
 * secret, sealed under keys derived from the root key (C8).
 *
 *   plaintext = count(2) ‖ (epoch(4) ‖ secret(32)) × count, epochs ascending
 *   AD        = "SAKR" ‖ key-file version ‖ vault id(16)
 */

const AD_PREFIX = utf8("SAKR");
const ENTRY_BYTES = 4 + SECRET_BYTES;
/** Most epochs a keyring holds. */
export const MAX_EPOCHS = 1024;

/** Epoch number → secret. */
export type EpochSecrets = ReadonlyMap<number, Uint8Array<ArrayBuffer>>;

async function keyringKey(rootKey: Uint8Array<ArrayBuffer>, vaultId: Uint8Array<ArrayBuffer>): Promise<SealKey> {
  const [enc, commit] = await Promise.all([
    hkdf(rootKey, "syncagent/v2/keyring-enc", 32, vaultId),
    hkdf(rootKey, "syncagent/v2/keyring-commit", 32, vaultId),
  ]);
  return importSealKey(enc, commit);
}

function ad(version: number, vaultId: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(AD_PREFIX, Uint8Array.of(version), vaultId);
}

/**
 * Seals epoch secrets under the root key.
 * @param rootKey The 32-byte root key.
 * @param vaultId The vault's 16-byte id.
 * @param version The key-file format version.
 * @param secrets The epochs.
 * @param nonce Only for known-answer tests.
 * @returns The sealed box.
 */
export async function sealKeyring(
  rootKey: Uint8Array<ArrayBuffer>,
  vaultId: Uint8Array<ArrayBuffer>,
  version: number,
  secrets: EpochSecrets,
  nonce?: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (secrets.size < 1 || secrets.size > MAX_EPOCHS) throw new RangeError(`A keyring holds 1 to ${MAX_EPOCHS} epochs`);
  const epochs = [...secrets.keys()].sort((a, b) => a - b);
  const plain = new Uint8Array(2 + epochs.length * ENTRY_BYTES);
  new DataView(plain.buffer).setUint16(0, epochs.length);
  epochs.forEach((epoch, i) => {
    const secret = secrets.get(epoch) as Uint8Array;
    if (secret.length !== SECRET_BYTES) throw new RangeError("An epoch secret is 32 bytes");
    plain.set(u32be(epoch), 2 + i * ENTRY_BYTES);
    plain.set(secret, 6 + i * ENTRY_BYTES);
  });
  return seal(await keyringKey(rootKey, vaultId), plain, ad(version, vaultId), nonce);
}

/**
 * Opens a sealed keyring.
 * @param rootKey The root key.
 * @param vaultId The vault's 16-byte id.
 * @param version The key-file format version.
 * @param box The sealed box.
 * @returns The epoch secrets.
 * @throws IntegrityError when altered or malformed.
 */
export async function openKeyring(
  rootKey: Uint8Array<ArrayBuffer>,
  vaultId: Uint8Array<ArrayBuffer>,
  version: number,
  box: Uint8Array,
): Promise<Map<number, Uint8Array<ArrayBuffer>>> {
  const plain = await open(await keyringKey(rootKey, vaultId), box, ad(version, vaultId), "key file");
  const bad = () => new IntegrityError("Cannot open key file: it was altered");
  if (plain.length < 2) throw bad();
  const count = (plain[0] ?? 0) * 256 + (plain[1] ?? 0);
  if (count < 1 || count > MAX_EPOCHS || plain.length !== 2 + count * ENTRY_BYTES) throw bad();
  const secrets = new Map<number, Uint8Array<ArrayBuffer>>();
  let last = -1;
  for (let i = 0; i < count; i++) {
    const epoch = readU32be(plain, 2 + i * ENTRY_BYTES);
    if (epoch <= last) throw bad();
    last = epoch;
    secrets.set(epoch, plain.slice(6 + i * ENTRY_BYTES, 6 + i * ENTRY_BYTES + SECRET_BYTES));
  }
  return secrets;
}
