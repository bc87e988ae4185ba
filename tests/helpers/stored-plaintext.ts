/**
 * What a server stored, searched for plaintext (C1, C2): every file under
 * its data folder (the SQLite database with its WAL, so every table, index
 * and freed page, and every stored chunk) is read as raw bytes and searched
 * for each secret, as UTF-8 and as UTF-16. A zero-knowledge server must hold
 * none of them.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** A secret found on the server's disk. */
export interface StoredLeak {
  /** The file, relative to the data folder. */
  file: string;
  /** The secret found in it. */
  secret: string;
}

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * Searches every stored byte under a data folder for the secrets.
 * @param dataDir The server's data folder.
 * @param secrets The names, contents and passwords to look for (each at least 8 characters, so a match is no accident).
 * @returns How many files were read, and every (file, secret) found.
 */
export async function findStoredPlaintext(dataDir: string, secrets: readonly string[]): Promise<{ files: number; leaks: StoredLeak[] }> {
  for (const secret of secrets) if (secret.length < 8) throw new Error(`A secret of ${secret.length} characters could match by chance: use at least 8`);
  const needles = secrets.flatMap((secret) => [
    { secret, bytes: Buffer.from(secret, "utf8") },
    { secret, bytes: Buffer.from(secret, "utf16le") },
  ]);
  const leaks: StoredLeak[] = [];
  let files = 0;
  for await (const path of filesUnder(dataDir)) {
    files++;
    const bytes = await readFile(path);
    for (const needle of needles) if (bytes.includes(needle.bytes)) leaks.push({ file: relative(dataDir, path), secret: needle.secret });
  }
  return { files, leaks };
}
