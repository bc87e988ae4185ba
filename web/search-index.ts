/**
 * The names of the whole vault, for searching (W2): the snapshot read
 * page by page (`GET /api/snapshot`, one point in time), every live node
 * opened in the tab (name and manifest cross-checked; a record that does
 * not verify is left out), kept while the vault stays unlocked and read
 * again after the vault changes. Forgotten on lock.
 */
import type { UnlockedVault } from "../lib/crypto/mod.ts";
import { api } from "./api.ts";
import { onLive } from "./live.ts";
import { buildIndex, liveNodes, type Indexed, type Named } from "./search-match.ts";
import { loadCrypto, vaultState } from "./vault.ts";

interface SnapshotNode {
  nodeId: string;
  parentId: string;
  encName: string;
  kind: "file" | "dir" | "delete";
  version: number;
  manifest: string;
  size: number;
}

let cached: { vault: UnlockedVault; index: Promise<Indexed[]> } | undefined;
vaultState.subscribe(() => (cached = undefined));
onLive((m) => {
  if (m.type === "snapshot" || m.type === "changed" || (m.type === "changes" && m.events.some((e) => e.type.startsWith("File") || e.type.startsWith("Trash")))) cached = undefined;
});

async function readAll(vault: UnlockedVault): Promise<Indexed[]> {
  const nodes: SnapshotNode[] = [];
  let page = await api<{ cursor: number; items: SnapshotNode[]; nextAfter: string | null; hasMore: boolean }>("/api/snapshot?limit=5000");
  nodes.push(...page.items);
  const cursor = page.cursor;
  while (page.hasMore && page.nextAfter) {
    page = await api(`/api/snapshot?limit=5000&after=${page.nextAfter}&cursor=${cursor}`);
    nodes.push(...page.items);
  }
  const live = liveNodes(nodes);
  const { openNodeRecord } = await loadCrypto();
  const opened = await Promise.all(
    nodes
      .filter((n) => live.has(n.nodeId) && n.kind !== "delete")
      .map(async (n): Promise<Named | null> => {
        try {
          const o = await openNodeRecord(vault.keyring, { nodeId: n.nodeId, parentId: n.parentId, encName: n.encName, version: n.version, manifest: n.manifest }, null);
          const kind = o.manifest.kind === "dir" ? "dir" : "file";
          return { nodeId: n.nodeId, parentId: n.parentId, kind, name: o.name, size: o.manifest.size, modifiedAt: o.manifest.mtimeMs };
        } catch {
          return null;
        }
      }),
  );
  return buildIndex(opened.filter((n): n is Named => n !== null));
}

/**
 * The vault's names, read once per unlock and again after a change.
 * @param vault The unlocked vault.
 * @returns The index.
 */
export function vaultIndex(vault: UnlockedVault): Promise<Indexed[]> {
  if (cached?.vault !== vault) {
    const index = readAll(vault);
    cached = { vault, index };
    index.catch(() => cached?.index === index && (cached = undefined));
  }
  return cached.index;
}
