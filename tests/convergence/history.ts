/**
 * "No data lost", across deletions and overwrites (A8, A16, Q2): every
 * content the machines agreed on at some settle point must, at the end, be
 * in some folder (at a path or in a conflict copy) or among the versions
 * the server keeps (the history and the trash). The server's versions are
 * known by their manifests' keyed content hash (HMAC over size and chunk
 * ids), so each content seen is hashed the same way here, with the vault's
 * keys opened from a machine's home.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { readAgentConfig } from "../../lib/agent/home/config.ts";
import { openAgentVault } from "../../lib/agent/keys/open-vault.ts";
import { createGearTable } from "../../lib/chunking/gear.ts";
import { fromBase64Url } from "../../lib/crypto/bytes.ts";
import type { Keyring } from "../../lib/crypto/keyring.ts";
import { contentHash, decryptManifest, type ManifestChunk } from "../../lib/crypto/manifest.ts";
import { encryptStream } from "../../lib/pipeline/encrypt-stream.ts";
import type { PreparedHome } from "../agent/helpers/homes.ts";
import type { Snapshot } from "./snapshot.ts";

/** A content the machines agreed on at a settle point. */
export interface SettledContent {
  /** SHA-256 of the bytes. */
  sha: string;
  /** The keyed content hash a manifest of it carries. */
  keyed: string;
  path: string;
  step: number;
}

/**
 * Opens the vault's keyring from a machine's home (its password in `home.env`).
 * @param home A home that holds the vault's key file.
 * @returns The keyring.
 */
export async function keyringOf(home: PreparedHome): Promise<Keyring> {
  const config = await readAgentConfig(home.paths.config);
  return (await openAgentVault({ paths: home.paths, config, env: home.env })).keyring;
}

/**
 * The keyed content hash of some bytes, cut and identified as an upload does it.
 * @param keyring The vault's keys (the current epoch).
 * @param bytes The content.
 * @returns Its manifest's content hash.
 */
export async function keyedContentHash(keyring: Keyring, bytes: Uint8Array): Promise<string> {
  const keys = keyring.current;
  const table = await createGearTable(keys.chunkerGearSeed);
  const chunks: ManifestChunk[] = [];
  const source = new Blob(bytes.length > 0 ? [bytes as Uint8Array<ArrayBuffer>] : []).stream();
  for await (const chunk of encryptStream(source, keys, { table })) {
    chunks.push({ id: chunk.id, size: chunk.size });
    chunk.release();
  }
  return contentHash(keys, bytes.length, chunks);
}

/**
 * Records the files of a settled folder (the machines agree on it).
 * @param keyring The vault's keys.
 * @param root The folder.
 * @param part Its synced part.
 * @param step The settle step.
 * @param into Where the contents go, by SHA-256.
 */
export async function recordSettled(keyring: Keyring, root: string, part: Snapshot, step: number, into: Map<string, SettledContent>): Promise<void> {
  for (const [path, entry] of part) {
    if (entry.kind !== "file" || into.has(entry.sha)) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(root, path));
    } catch {
      continue; // changed since the snapshot: the next settle point records it
    }
    into.set(entry.sha, { sha: entry.sha, keyed: await keyedContentHash(keyring, bytes), path, step });
  }
}

/**
 * The keyed content hashes of every file version the server keeps.
 * @param db The server's database.
 * @param keyring The vault's keys.
 * @returns The hashes.
 */
export async function serverContentHashes(db: Client, keyring: Keyring): Promise<Set<string>> {
  const rows = await db.execute("SELECT node_id, version, manifest FROM versions WHERE kind = 'file'");
  const out = new Set<string>();
  for (const r of rows.rows) {
    const manifest = await decryptManifest(keyring, fromBase64Url(r.manifest as string), { nodeId: r.node_id as string, version: Number(r.version) });
    if (manifest.kind === "file") out.add(manifest.contentHash);
  }
  return out;
}

/**
 * Every settled content is in a folder or among the server's versions.
 * @param settled The contents seen at settle points.
 * @param folders Every machine's whole folder at the end.
 * @param server The keyed hashes of the server's versions.
 * @returns Violations.
 */
export function noSettledContentLost(settled: Iterable<SettledContent>, folders: Snapshot[], server: ReadonlySet<string>): string[] {
  const onDisk = new Set<string>();
  for (const f of folders) for (const e of f.values()) if (e.kind === "file") onDisk.add(e.sha);
  const out: string[] = [];
  for (const c of settled) {
    if (!onDisk.has(c.sha) && !server.has(c.keyed)) out.push(`data lost: the content of ${c.path} at settle step ${c.step} (sha ${c.sha.slice(0, 12)}) is in no folder and in no version the server keeps`);
  }
  return out;
}
