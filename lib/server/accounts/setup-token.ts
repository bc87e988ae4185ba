/**
 * The setup token: on a server that listens beyond loopback, whoever
 * reaches it first could otherwise claim the admin account. Until the admin
 * exists, `POST /api/setup` then also needs a random token that the server
 * writes to a file in its data folder (mode 0600), which only someone with
 * a shell on the server can read. The file is deleted once the admin exists.
 */
import { Buffer } from "node:buffer";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { constantTimeEqual, newSecret } from "../auth/secrets.ts";

/**
 * Reads the setup token, creating the file when it does not exist yet.
 * @param file The token file.
 * @returns The token.
 */
export async function ensureSetupToken(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, "utf8")).trim();
    if (existing) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dirname(file), { recursive: true });
  const token = newSecret("sas_");
  try {
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: "wx" });
    await chmod(file, 0o600);
    return token;
  } catch (error) {
    // another server process wrote it first: use theirs
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readFile(file, "utf8")).trim();
    throw error;
  }
}

/**
 * Checks a presented setup token against the file.
 * @param file The token file.
 * @param presented What the request carried.
 * @returns Whether it matches.
 */
export async function setupTokenMatches(file: string, presented: string | undefined): Promise<boolean> {
  if (!presented) return false;
  const expected = await ensureSetupToken(file);
  return Buffer.byteLength(presented) === Buffer.byteLength(expected) && constantTimeEqual(presented, expected);
}

/**
 * Deletes the token file (the admin exists now).
 * @param file The token file.
 */
export async function removeSetupToken(file: string): Promise<void> {
  await rm(file, { force: true });
}
