import { fromHex, toHex } from "./bytes.ts";
import { decryptFailure } from "./aead.ts";
import { IntegrityError, UnknownEpochError } from "./errors.ts";
import { checkObjectFormat, headerEpoch, OBJECT_FORMAT_VERSION, OBJECT_HEADER_BYTES } from "./object-format.ts";
import { deriveEpochKeys, VAULT_ID_BYTES, type EpochKeys } from "./subkeys.ts";

/** Highest epoch number (u32). */
export const MAX_EPOCH = 0xffffffff;

/**
 * The opened keyring of one vault: the working keys of every key epoch
 * (C8). New writes use `current`, the newest epoch; objects of older epochs
 * stay readable through `epoch(n)`.
 */
export class Keyring {
  /** The vault id, 32 hex characters. */
  readonly vaultId: string;
  /** The vault id's 16 bytes. */
  readonly vaultIdBytes: Uint8Array<ArrayBuffer>;
  /** Lowest object format this vault accepts (from its key file). */
  readonly minFormat: number;
  /** Keys of the newest epoch: every new chunk, manifest and name uses them. */
  readonly current: EpochKeys;
  readonly #epochs: ReadonlyMap<number, EpochKeys>;

  private constructor(vaultId: string, epochs: ReadonlyMap<number, EpochKeys>, minFormat: number) {
    this.vaultId = vaultId;
    this.vaultIdBytes = fromHex(vaultId);
    this.minFormat = minFormat;
    this.#epochs = epochs;
    this.current = epochs.get(Math.max(...epochs.keys())) as EpochKeys;
  }

  /**
   * Derives a keyring from epoch secrets (the key file does this on open).
   * @param vaultId The vault id, 32 hex characters.
   * @param secrets Epoch number → 32-byte secret; at least one.
   * @param minFormat Lowest object format accepted. @default OBJECT_FORMAT_VERSION
   * @returns The keyring.
   */
  static async fromSecrets(
    vaultId: string,
    secrets: ReadonlyMap<number, Uint8Array<ArrayBuffer>>,
    minFormat: number = OBJECT_FORMAT_VERSION,
  ): Promise<Keyring> {
    const id = fromHex(vaultId);
    if (id.length !== VAULT_ID_BYTES || toHex(id) !== vaultId) throw new RangeError("A vault id is 32 lowercase hex characters");
    if (secrets.size === 0) throw new RangeError("A keyring holds at least one epoch");
    const entries = await Promise.all(
      [...secrets].map(async ([epoch, secret]) => {
        if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError(`Not an epoch number: ${epoch}`);
        return [epoch, await deriveEpochKeys(secret, id, epoch)] as const;
      }),
    );
    return new Keyring(vaultId, new Map(entries), minFormat);
  }

  /** Epoch numbers held, ascending. */
  get epochs(): number[] {
    return [...this.#epochs.keys()].sort((a, b) => a - b);
  }

  /**
   * The keys of one epoch.
   * @param epoch The epoch number from an object's header.
   * @param what Object kind, for the message. @default "object"
   * @returns Its keys.
   * @throws UnknownEpochError when this keyring does not hold it.
   */
  epoch(epoch: number, what = "object"): EpochKeys {
    const keys = this.#epochs.get(epoch);
    if (!keys) throw new UnknownEpochError(`Cannot decrypt ${what}: key epoch ${epoch} is not in this keyring (fetch the current key file)`);
    return keys;
  }

  /**
   * Checks an object's header (format and epoch) and picks its epoch's keys.
   * @param bytes The object as the server sent it.
   * @param what Object kind, for the messages.
   * @param minLength Shortest valid object, header included.
   * @returns The keys of the object's epoch.
   * @throws IntegrityError, UnsupportedVersionError, UnknownEpochError.
   */
  keysFor(bytes: Uint8Array, what: string, minLength: number): EpochKeys {
    if (bytes.length < Math.max(minLength, OBJECT_HEADER_BYTES)) throw new IntegrityError(decryptFailure(what));
    checkObjectFormat(bytes[0], this.minFormat, what);
    return this.epoch(headerEpoch(bytes), what);
  }
}
