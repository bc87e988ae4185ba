import { IntegrityError } from "./errors.ts";
import { ROOT_NODE_ID } from "./node-id.ts";

/** One opened node as the tree check sees it (an `OpenedNode` is one). */
export interface TreeNode {
  nodeId: string;
  parentId: string;
  /** The decrypted name. */
  name: string;
  manifest: { kind: "file" | "dir" | "deleted" };
}

const REFUSED = "Refusing the tree";

/**
 * Checks a whole tree of opened nodes (rules 5 and 8): each record is
 * checked on its own by `openNodeRecord`, so genuine records from different
 * moments could still be combined into a tree no machine ever wrote. Refuses
 *  - a node listed twice;
 *  - a live node whose parent is not a live folder of the list (missing, a
 *    file, or deleted) nor the vault root;
 *  - a cycle (a folder among its own ancestors, cut off from the root);
 *  - two live nodes with the same decrypted name in one folder. Names are
 *    compared after decryption, so the same name written under two key
 *    epochs (two different ciphertexts the server cannot compare) is caught.
 * Deletions (`kind: "deleted"`) are not part of the tree: they hold no name
 * and no children. Pure: messages name node ids (public), never a name.
 * @param nodes Every node of the vault, opened.
 * @throws IntegrityError naming the first problem found.
 */
export function checkTree(nodes: readonly TreeNode[]): void {
  const byId = new Map<string, TreeNode>();
  for (const node of nodes) {
    if (byId.has(node.nodeId)) throw new IntegrityError(`${REFUSED}: node ${node.nodeId} is listed twice`);
    byId.set(node.nodeId, node);
  }
  const live = nodes.filter((n) => n.manifest.kind !== "deleted");
  const namesIn = new Map<string, Set<string>>();
  for (const node of live) {
    if (node.parentId !== ROOT_NODE_ID) {
      const parent = byId.get(node.parentId);
      if (!parent || parent.manifest.kind !== "dir") {
        const what = !parent ? "is not in the tree" : parent.manifest.kind === "deleted" ? "is deleted" : "is a file";
        throw new IntegrityError(`${REFUSED}: the parent ${node.parentId} of node ${node.nodeId} ${what}`);
      }
    }
    let names = namesIn.get(node.parentId);
    if (!names) namesIn.set(node.parentId, (names = new Set()));
    if (names.has(node.name)) throw new IntegrityError(`${REFUSED}: two entries of folder ${node.parentId} have the same name (node ${node.nodeId})`);
    names.add(node.name);
  }
  // Every live node's parent is now a live folder or the root: walk up to the root, remembering nodes known to reach it.
  const reachesRoot = new Set<string>([ROOT_NODE_ID]);
  for (const node of live) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let id = node.nodeId;
    while (!reachesRoot.has(id)) {
      if (onPath.has(id)) throw new IntegrityError(`${REFUSED}: node ${id} is among its own ancestors (a cycle)`);
      onPath.add(id);
      path.push(id);
      const current = byId.get(id);
      if (!current) throw new IntegrityError(`${REFUSED}: node ${id} is not in the tree`);
      id = current.parentId;
    }
    for (const done of path) reachesRoot.add(done);
  }
}
