import { isNodeId } from "./node-id.ts";
import { normalizeName } from "./paths.ts";

/** Largest chunk a manifest may list, bytes (the chunker's 1 GiB ceiling). */
export const MAX_MANIFEST_CHUNK_BYTES = 2 ** 30;
/** Longest machine id, characters. */
export const MAX_MACHINE_ID_CHARS = 64;
/** Highest mode: permission, setuid, setgid and sticky bits. */
export const MAX_MODE = 0o7777;

const HEX64 = /^[0-9a-f]{64}$/;
const MACHINE_ID = new RegExp(`^[A-Za-z0-9._:-]{0,${MAX_MACHINE_ID_CHARS}}$`);

/** One chunk of a file, in order. */
export interface ManifestChunk {
  /** Chunk id (hex). */
  id: string;
  /** Plaintext length of the chunk. */
  size: number;
}

/**
 * One version of one node: what a file, a folder or a deletion is, where it
 * sits and what it replaces (rules 4 and 8). Encrypted whole; the server
 * sees only the ciphertext.
 */
export interface NodeManifest {
  kind: "file" | "dir" | "deleted";
  /** The node's name (NFC, one path component). A deletion keeps the name it had. */
  name: string;
  /** The parent's node id (`ROOT_NODE_ID` for a top-level node). */
  parentId: string;
  /** File length in bytes; 0 for folders and deletions. */
  size: number;
  /** Modification time, ms since the Unix epoch (finite). */
  mtimeMs: number;
  /** POSIX mode bits, 0..0o7777; 0 where unknown. */
  mode: number;
  /** Chunks in file order; none for folders and deletions. */
  chunks: ManifestChunk[];
  /** Keyed hash over size and chunk ids (`contentHash`), hex; "" for folders and deletions. */
  contentHash: string;
  /** SHA-256 hex of the encrypted manifest this version replaces; "" for version 1. */
  previous: string;
  /** Id of the machine that wrote it; "" for the browser. */
  machineId: string;
}

/** Where a manifest belongs: the node id and version number it is bound to. */
export interface ManifestBinding {
  /** The node id (32 hex). */
  nodeId: string;
  /** The version, an integer ≥ 1. */
  version: number;
}

const KEYS = ["kind", "name", "parentId", "size", "mtimeMs", "mode", "chunks", "contentHash", "previous", "machineId"].sort().join();

function nameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "the name is not text";
  try {
    return normalizeName(name) === name ? undefined : "the name is not in NFC";
  } catch (error) {
    return (error as Error).message;
  }
}

function kindProblem(m: NodeManifest): string | undefined {
  if (m.kind === "file") {
    if (m.chunks.reduce((sum, c) => sum + c.size, 0) !== m.size) return "a file's chunk sizes do not add up to its size";
    if (!HEX64.test(m.contentHash)) return "a file has no content hash";
    return undefined;
  }
  if (m.kind === "dir" || m.kind === "deleted") {
    const what = m.kind === "dir" ? "a folder" : "a deletion";
    if (m.chunks.length > 0) return `${what} has chunks`;
    if (m.size !== 0) return `${what} has a size`;
    if (m.contentHash !== "") return `${what} has a content hash`;
    return undefined;
  }
  return "unknown kind";
}

/**
 * Checks a manifest strictly, per kind (review findings): exactly the known
 * fields, each of its type; `file` has chunks adding up to its size and a
 * content hash; `dir` and `deleted` have no chunks, size 0 and no content
 * hash; mode 0..0o7777; mtime finite; a valid name; a parent that is a node
 * id other than the node's own; `previous` empty exactly for version 1.
 * Messages never contain the name.
 * @param value A parsed manifest (untrusted).
 * @param binding Its node id and version.
 * @returns Why it is refused, or `undefined` when it is valid.
 */
export function manifestProblem(value: unknown, binding: ManifestBinding): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  if (Object.keys(value).sort().join() !== KEYS) return "unknown or missing fields";
  const m = value as NodeManifest;
  const chunksOk =
    Array.isArray(m.chunks) &&
    m.chunks.every(
      (c: unknown) =>
        typeof c === "object" &&
        c !== null &&
        Object.keys(c).sort().join() === "id,size" &&
        HEX64.test((c as ManifestChunk).id) &&
        Number.isSafeInteger((c as ManifestChunk).size) &&
        (c as ManifestChunk).size > 0 &&
        (c as ManifestChunk).size <= MAX_MANIFEST_CHUNK_BYTES,
    );
  if (!chunksOk) return "malformed chunk list";
  if (!Number.isSafeInteger(m.size) || m.size < 0) return "malformed size";
  if (typeof m.mtimeMs !== "number" || !Number.isFinite(m.mtimeMs)) return "the modification time is not finite";
  if (!Number.isInteger(m.mode) || m.mode < 0 || m.mode > MAX_MODE) return "the mode is outside 0..0o7777";
  if (typeof m.contentHash !== "string") return "malformed content hash";
  if (typeof m.machineId !== "string" || !MACHINE_ID.test(m.machineId)) return "malformed machine id";
  if (typeof m.parentId !== "string" || m.parentId === "") return "the parent id is empty";
  if (!isNodeId(m.parentId) || m.parentId === binding.nodeId) return "malformed parent id";
  if (binding.version === 1 ? m.previous !== "" : typeof m.previous !== "string" || !HEX64.test(m.previous)) {
    return "the previous-version hash does not fit the version number";
  }
  return nameProblem(m.name) ?? kindProblem(m);
}

/**
 * The canonical form of a manifest: fields in a fixed order, nothing else.
 * @param m A valid manifest.
 * @returns A copy with exactly the manifest's fields.
 */
export function canonicalManifest(m: NodeManifest): NodeManifest {
  return {
    kind: m.kind,
    name: m.name,
    parentId: m.parentId,
    size: m.size,
    mtimeMs: m.mtimeMs,
    mode: m.mode,
    chunks: m.chunks.map((c) => ({ id: c.id, size: c.size })),
    contentHash: m.contentHash,
    previous: m.previous,
    machineId: m.machineId,
  };
}
