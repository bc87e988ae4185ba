/**
 * `syncfile://` links (W6, D1): a link names a file of one vault, by its
 * node id (it follows the file across renames and moves) or by its path in
 * the synced folder. A link holds no name it does not have to: the node form
 * carries only two random ids, so it can sit in a chat or a document
 * without telling anyone what it points to.
 *
 * - `syncfile://<vault id>/<node id>`
 * - `syncfile://<vault id>/path/<segment>/<segment>…` (each segment
 *   percent-encoded)
 *
 * Parsing refuses anything that could leave the synced folder: empty, `.`
 * and `..` segments, separators or NUL inside a segment, a drive letter,
 * control characters. Resolving (resolve-link.ts) checks again on disk.
 */

/** What a link points to. */
export type LinkTarget = { kind: "node"; nodeId: string } | { kind: "path"; segments: string[] };

/** A parsed link. */
export interface SyncfileLink {
  vaultId: string;
  target: LinkTarget;
}

/** Why a link cannot be followed. */
export type LinkErrorCode = "malformed" | "other_vault" | "unknown_node" | "not_on_disk" | "outside_folder" | "not_registered";

/** A link that cannot be followed, with the reason as a code and a sentence. */
export class LinkError extends Error {
  override name = "LinkError";
  /**
   * @param code The reason.
   * @param message What to tell the user.
   */
  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The scheme, without `://`. */
export const SCHEME = "syncfile";
const PREFIX = `${SCHEME}://`;
/** The longest link accepted. */
export const MAX_LINK_LENGTH = 4096;
const ID = /^[0-9a-f]{32}$/;
// Control characters (C0, DEL, C1) have no place in a file name a link opens.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function malformed(why: string): LinkError {
  return new LinkError("malformed", `Not a valid ${SCHEME}:// link: ${why}`);
}

function segmentOf(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw malformed("a part of the path is not valid percent-encoding");
  }
  if (name === "" || name === "." || name === "..") throw malformed(`the path may not hold an empty, "." or ".." part`);
  if (/[/\\]/.test(name)) throw malformed("a part of the path holds a separator");
  if (CONTROL.test(name)) throw malformed("a part of the path holds a control character");
  if (/^[A-Za-z]:/.test(name)) throw malformed("the path may not name a drive");
  return name.normalize("NFC");
}

/**
 * Parses a link (the scheme is case-insensitive, the ids lowercase hex).
 * @param url The link as the OS handed it over.
 * @returns The vault and the target.
 * @throws LinkError `malformed`, saying what is wrong.
 */
export function parseSyncfileUrl(url: string): SyncfileLink {
  if (url.length > MAX_LINK_LENGTH) throw malformed(`longer than ${MAX_LINK_LENGTH} characters`);
  if (url.slice(0, PREFIX.length).toLowerCase() !== PREFIX) throw malformed(`it does not start with ${PREFIX}`);
  const rest = url.slice(PREFIX.length);
  if (/[?#]/.test(rest)) throw malformed("a link has no query or fragment");
  const [vaultId = "", ...parts] = rest.split("/");
  if (!ID.test(vaultId)) throw malformed("the vault id must be 32 lowercase hex characters");
  if (parts.length === 1 && ID.test(parts[0]!)) return { vaultId, target: { kind: "node", nodeId: parts[0]! } };
  if (parts[0] === "path" && parts.length > 1) return { vaultId, target: { kind: "path", segments: parts.slice(1).map(segmentOf) } };
  throw malformed("expected /<node id> or /path/<path> after the vault id");
}

/**
 * The link to a node (what the dashboard offers).
 * @param vaultId The vault.
 * @param nodeId The file or folder.
 * @returns `syncfile://<vault>/<node>`.
 */
export function nodeLink(vaultId: string, nodeId: string): string {
  if (!ID.test(vaultId) || !ID.test(nodeId)) throw malformed("ids must be 32 lowercase hex characters");
  return `${PREFIX}${vaultId}/${nodeId}`;
}

/**
 * The link to a path in the synced folder.
 * @param vaultId The vault.
 * @param segments The path's parts, from the synced folder down.
 * @returns `syncfile://<vault>/path/<encoded parts>`.
 */
export function pathLink(vaultId: string, segments: readonly string[]): string {
  const link = `${PREFIX}${vaultId}/path/${segments.map((s) => encodeURIComponent(s)).join("/")}`;
  parseSyncfileUrl(link); // the same rules both ways
  return link;
}
