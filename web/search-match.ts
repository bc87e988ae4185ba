/**
 * Searching names across the vault, without a browser or keys: which nodes
 * are live (none of their folders deleted), each one's folder path, and
 * the names that contain a query (case- and accent-insensitive, Unicode
 * NFC), best matches first.
 */
import { ROOT_NODE_ID } from "../lib/crypto/node-id.ts";

/** A node as the snapshot lists it (only what the search needs). */
export interface TreeNode {
  nodeId: string;
  parentId: string;
  kind: "file" | "dir" | "delete";
}

/** A live node with its decrypted name, ready to search. */
export interface Named {
  nodeId: string;
  parentId: string;
  kind: "file" | "dir";
  name: string;
  size: number;
  modifiedAt: number;
}

/** A searchable entry: the node, its folder chain and the key it is matched on. */
export interface Indexed extends Named {
  /** Folder ids from the top down to the node's folder (empty at the top). */
  chain: string[];
  /** The folder names along `chain` ("" for a node at the top). */
  path: string;
  key: string;
}

/**
 * The comparison key of a name or a query: NFC, lower case, accents folded.
 * @param text The text.
 * @returns The key.
 */
export function searchKey(text: string): string {
  return text.normalize("NFD").replace(/\p{Mn}/gu, "").normalize("NFC").toLocaleLowerCase();
}

/**
 * The nodes that are live: not deleted, and every folder above them live up to the top.
 * @param nodes Every node of the snapshot, tombstones included.
 * @returns The live nodes' ids.
 */
export function liveNodes(nodes: readonly TreeNode[]): Set<string> {
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const state = new Map<string, boolean>([[ROOT_NODE_ID, true]]);
  const isLive = (id: string): boolean => {
    const known = state.get(id);
    if (known !== undefined) return known;
    // Walk up until a known answer, then give it to the whole walk (no recursion: deep trees are fine).
    const walk: string[] = [];
    let at: string | undefined = id;
    let answer = false;
    while (at !== undefined) {
      const seen = state.get(at);
      if (seen !== undefined) {
        answer = seen;
        break;
      }
      const node = byId.get(at);
      if (!node || node.kind === "delete" || walk.includes(at)) break;
      walk.push(at);
      at = node.parentId;
    }
    for (const w of walk) state.set(w, answer);
    if (!walk.includes(id)) state.set(id, false);
    return state.get(id) ?? false;
  };
  return new Set(nodes.filter((n) => isLive(n.nodeId)).map((n) => n.nodeId));
}

/**
 * Gives each named node its folder chain and path, and its search key.
 * @param named The live nodes with their names.
 * @returns The index.
 */
export function buildIndex(named: readonly Named[]): Indexed[] {
  const byId = new Map(named.map((n) => [n.nodeId, n]));
  const chains = new Map<string, string[]>([[ROOT_NODE_ID, []]]);
  const chainOf = (folder: string): string[] => {
    const known = chains.get(folder);
    if (known) return known;
    const up: string[] = [];
    let at = folder;
    while (!chains.has(at) && byId.has(at) && !up.includes(at)) {
      up.push(at);
      at = byId.get(at)!.parentId;
    }
    let chain = chains.get(at) ?? [];
    for (const id of up.reverse()) {
      chain = [...chain, id];
      chains.set(id, chain);
    }
    return chains.get(folder) ?? [];
  };
  return named.map((n) => {
    const chain = chainOf(n.parentId);
    return { ...n, chain, path: chain.map((id) => byId.get(id)?.name ?? "").join(" / "), key: searchKey(n.name) };
  });
}

/**
 * The entries whose name contains the query: names starting with it first, then shorter paths, then by name.
 * @param index The index.
 * @param query What was typed.
 * @param limit How many to return at most.
 * @returns The matches (at most `limit`) and how many there are in all.
 */
export function search(index: readonly Indexed[], query: string, limit: number): { matches: Indexed[]; total: number } {
  const q = searchKey(query.trim());
  if (!q) return { matches: [], total: 0 };
  const found: { entry: Indexed; at: number }[] = [];
  for (const entry of index) {
    const at = entry.key.indexOf(q);
    if (at >= 0) found.push({ entry, at });
  }
  found.sort((a, b) => Number(a.at !== 0) - Number(b.at !== 0) || a.entry.chain.length - b.entry.chain.length || a.entry.name.localeCompare(b.entry.name, undefined, { numeric: true, sensitivity: "base" }));
  return { matches: found.slice(0, limit).map((f) => f.entry), total: found.length };
}
