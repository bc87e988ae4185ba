import { concatBytes, constantTimeEqual } from "./bytes.ts";
import { InvalidRecoveryKeyError } from "./errors.ts";

/** Length of a recovery key's secret, bytes (256 bits). */
export const RECOVERY_KEY_BYTES = 32;
const CHECKSUM_BYTES = 2;
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32: no I, L, O, U

function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function decodeBase32(text: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new InvalidRecoveryKeyError(`Invalid recovery key: '${char}' is not a recovery key character`);
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      if (index < length) out[index] = (buffer >>> (bits - 8)) & 0xff;
      index++;
      bits -= 8;
    }
  }
  if (index !== length) throw new InvalidRecoveryKeyError("Invalid recovery key: wrong length, check for a missing or extra group");
  return out;
}

async function checksum(secret: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", secret));
  return digest.subarray(0, CHECKSUM_BYTES);
}

/**
 * Formats a recovery secret as printable text: Crockford base32 of the
 * secret and a 16-bit checksum, in groups of five (C7). 55 characters.
 * @param secret 32 random bytes.
 * @returns Text such as `7XQ2M-…`.
 */
export async function formatRecoveryKey(secret: Uint8Array<ArrayBuffer>): Promise<string> {
  if (secret.length !== RECOVERY_KEY_BYTES) throw new RangeError("A recovery secret is 32 bytes");
  const text = encodeBase32(concatBytes(secret, await checksum(secret)));
  return text.match(/.{1,5}/g)?.join("-") ?? text;
}

/**
 * Parses a typed recovery key: case, spaces and dashes do not matter, and
 * the look-alikes I, L (read as 1) and O (read as 0) are accepted.
 * @param text What the user typed.
 * @returns The 32-byte secret.
 * @throws InvalidRecoveryKeyError when it does not parse or the checksum fails.
 */
export async function parseRecoveryKey(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const cleaned = text.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  const bytes = decodeBase32(cleaned, RECOVERY_KEY_BYTES + CHECKSUM_BYTES);
  const secret = bytes.slice(0, RECOVERY_KEY_BYTES);
  if (!constantTimeEqual(await checksum(secret), bytes.subarray(RECOVERY_KEY_BYTES))) {
    throw new InvalidRecoveryKeyError("Invalid recovery key: a character is mistyped (the checksum does not match)");
  }
  return secret;
}
