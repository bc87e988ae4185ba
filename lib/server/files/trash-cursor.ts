/**
 * The opaque cursor of trash pages: the (deleted_at, node id, deleted
 * version) of the last entry served, base64url-encoded. Entries deleted in
 * the same millisecond are told apart by the rest of the key, so a page
 * boundary never skips one.
 */

/** Where a trash page starts (exclusive). */
export interface TrashCursor {
  deletedAt: number;
  nodeId: string;
  deletedVersion: number;
}

/**
 * Encodes a cursor.
 * @param cursor The last entry served.
 * @returns The opaque string.
 */
export function encodeTrashCursor(cursor: TrashCursor): string {
  return Buffer.from(`${cursor.deletedAt}.${cursor.nodeId}.${cursor.deletedVersion}`).toString("base64url");
}

/**
 * Decodes a cursor.
 * @param text The opaque string.
 * @returns The cursor, or null when it is not one this server made.
 */
export function decodeTrashCursor(text: string): TrashCursor | null {
  const match = /^(\d{1,16})\.([0-9a-f]{32})\.(\d{1,16})$/.exec(Buffer.from(text, "base64url").toString("utf8"));
  if (!match) return null;
  const deletedAt = Number(match[1]);
  const deletedVersion = Number(match[3]);
  if (!Number.isSafeInteger(deletedAt) || !Number.isSafeInteger(deletedVersion)) return null;
  return { deletedAt, nodeId: match[2] ?? "", deletedVersion };
}
