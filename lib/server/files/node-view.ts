/**
 * An in-memory view of the part of a vault's tree that a group of writes
 * touches: the nodes named, their parents and every ancestor up to the
 * root, the live holders of the names they take, and the operation ids
 * already recorded. Loaded with a handful of statements per group, then
 * updated as items are accepted, so later items of the group see earlier
 * ones; an atomic request's changes can be rolled back.
 *
 * Why the ancestors suffice: a walk up from any loaded node meets only
 * nodes whose chains were loaded (from the database), or nodes the group
 * wrote, whose new parents were named by an item and so loaded too.
 */
import type { Executor } from "../../events/store.ts";
import { str } from "../../db/row.ts";
import { ROOT_NODE_ID } from "../../events/schemas/common.ts";
import { HEAD_COLUMNS, headFromRow, type Head } from "./heads.ts";
import type { ParentState } from "./version-input.ts";

/** What an operation id recorded: enough to tell a retry from another operation under the same id (S4). */
export interface RecordedOp {
  nodeId: string;
  version: number;
  seq: number;
  kind: string;
  parentId: string;
  encName: string;
  manifest: string;
  /** How the version came to be (FileVersionCommitted's `origin`). */
  origin: { type: string } & Record<string, unknown>;
}

/** The columns of `versions` and `op_ids` a {@link RecordedOp} is read from. */
const OP_COLUMNS = "op_id, node_id, version, seq, kind, parent_id, enc_name, manifest, origin";

/** Deepest tree a walk follows; deeper counts as broken (never live). */
const MAX_DEPTH = 4096;
const SLICE = 400;

function nameKey(parentId: string, encName: string): string {
  return `${parentId}\u0000${encName}`;
}

/** What to load into a view. */
export interface ViewWants {
  /** Nodes written or used as parents: loaded with every ancestor. */
  nodeIds: Iterable<string>;
  /** (parent, name) pairs taken: their live holders are loaded. */
  names: Iterable<readonly [string, string]>;
  opIds: Iterable<string>;
}

/** The tree as a group of writes sees it. */
export class NodeView {
  readonly #nodes = new Map<string, Head>();
  readonly #names = new Map<string, Set<string>>();
  readonly #ops = new Map<string, RecordedOp>();
  readonly #chunks = new Map<string, readonly string[]>();
  readonly #purged = new Set<string>();
  /** The head each operation of the group wrote: results may show it (`conflict.head`, `name_taken.existing`). */
  readonly #written = new Map<string, Head>();
  #undo: (() => void)[] | null = null;

  /**
   * Loads the rows a group needs.
   * @param db The open transaction.
   * @param vaultId The vault.
   * @param wants Nodes, names and operation ids.
   * @returns The view.
   */
  static async load(db: Executor, vaultId: string, wants: ViewWants): Promise<NodeView> {
    const view = new NodeView();
    const ids = [...new Set(wants.nodeIds)].filter((id) => id !== ROOT_NODE_ID);
    for (let i = 0; i < ids.length; i += SLICE) {
      const slice = ids.slice(i, i + SLICE);
      const rows = await db.execute({
        sql: `WITH RECURSIVE up(id) AS (VALUES ${slice.map(() => "(? COLLATE BINARY)").join(", ")}
                UNION SELECT t.parent_id FROM tree t JOIN up ON t.vault_id = ? AND t.node_id = up.id)
              SELECT ${HEAD_COLUMNS} FROM tree WHERE vault_id = ? AND node_id IN (SELECT id FROM up)`,
        args: [...slice, vaultId, vaultId],
      });
      for (const row of rows.rows) view.#remember(headFromRow(row));
      const purged = await db.execute({
        sql: `SELECT node_id FROM purged_nodes WHERE vault_id = ? AND node_id IN (${slice.map(() => "?").join(", ")})`,
        args: [vaultId, ...slice],
      });
      for (const row of purged.rows) view.#purged.add(str(row.node_id));
    }
    const names = [...new Map([...wants.names].map(([p, n]) => [nameKey(p, n), [p, n] as const])).values()];
    for (let i = 0; i < names.length; i += SLICE) {
      const slice = names.slice(i, i + SLICE);
      const rows = await db.execute({
        sql: `SELECT ${HEAD_COLUMNS} FROM tree WHERE vault_id = ? AND kind <> 'delete'
              AND (parent_id, enc_name) IN (VALUES ${slice.map(() => "(?, ?)").join(", ")})`,
        args: [vaultId, ...slice.flat()],
      });
      for (const row of rows.rows) {
        const head = headFromRow(row);
        if (!view.#nodes.has(head.nodeId)) view.#remember(head);
      }
    }
    const opIds = [...new Set(wants.opIds)];
    for (let i = 0; i < opIds.length; i += SLICE) {
      const slice = opIds.slice(i, i + SLICE);
      // A purge keeps the operation ids of the versions it erased in op_ids (S4).
      const inList = slice.map(() => "?").join(", ");
      const rows = await db.execute({
        sql: `SELECT ${OP_COLUMNS} FROM versions WHERE vault_id = ? AND op_id IN (${inList})
              UNION ALL SELECT ${OP_COLUMNS} FROM op_ids WHERE vault_id = ? AND op_id IN (${inList})`,
        args: [vaultId, ...slice, vaultId, ...slice],
      });
      for (const r of rows.rows) {
        view.#ops.set(str(r.op_id), {
          nodeId: str(r.node_id),
          version: Number(r.version),
          seq: Number(r.seq),
          kind: str(r.kind),
          parentId: str(r.parent_id),
          encName: str(r.enc_name),
          manifest: str(r.manifest),
          origin: JSON.parse(str(r.origin)) as RecordedOp["origin"],
        });
      }
    }
    return view;
  }

  #remember(head: Head): void {
    this.#nodes.set(head.nodeId, head);
    if (head.kind !== "delete") this.#addName(head);
  }

  #addName(head: Head): void {
    const key = nameKey(head.parentId, head.encName);
    const set = this.#names.get(key) ?? new Set<string>();
    set.add(head.nodeId);
    this.#names.set(key, set);
  }

  /**
   * The head of a node as the group sees it.
   * @param nodeId The node.
   * @returns Its head, or null when it has no row.
   */
  head(nodeId: string): Head | null {
    return this.#nodes.get(nodeId) ?? null;
  }

  /**
   * Whether a node id belonged to a node a folder's purge erased (its id is never used again).
   * @param nodeId The node.
   * @returns True when purged.
   */
  purged(nodeId: string): boolean {
    return this.#purged.has(nodeId);
  }

  /**
   * What an operation id recorded, if anything.
   * @param opId The operation id.
   * @returns Its record.
   */
  op(opId: string): RecordedOp | undefined {
    return this.#ops.get(opId);
  }

  /**
   * Whether a node and every ancestor up to the root is not a tombstone.
   * @param nodeId The node.
   * @returns True for a live node (the root is always live).
   */
  isLive(nodeId: string): boolean {
    let id = nodeId;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (id === ROOT_NODE_ID) return true;
      const head = this.#nodes.get(id);
      if (!head || head.kind === "delete") return false;
      id = head.parentId;
    }
    return false;
  }

  /**
   * Why a node cannot be a parent, or null when it is a live folder.
   * @param parentId The would-be parent.
   * @returns The problem with its head, or null.
   */
  parentProblem(parentId: string): { state: ParentState; head: Head | null } | null {
    if (parentId === ROOT_NODE_ID) return null;
    const head = this.head(parentId);
    if (!head) return { state: "missing", head: null };
    if (head.kind === "delete") return { state: "deleted", head };
    if (head.kind !== "dir") return { state: "not_folder", head };
    return this.isLive(head.parentId) ? null : { state: "inside_deleted", head };
  }

  /**
   * Whether `ancestorId` is `nodeId` or one of its ancestors.
   * @param ancestorId The candidate ancestor.
   * @param nodeId Where the walk starts.
   * @returns True when found on the way up.
   */
  isAncestorOrSelf(ancestorId: string, nodeId: string): boolean {
    let id = nodeId;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (id === ancestorId) return true;
      if (id === ROOT_NODE_ID) return false;
      const head = this.#nodes.get(id);
      if (!head) return false;
      id = head.parentId;
    }
    return true;
  }

  /**
   * The live node holding a name in a folder, other than `self`.
   * @param parentId The folder.
   * @param encName The encrypted name.
   * @param self The node asking (never its own occupant).
   * @returns The holder, or null when the name is free.
   */
  occupant(parentId: string, encName: string, self: string): Head | null {
    for (const id of this.#names.get(nameKey(parentId, encName)) ?? []) {
      if (id === self) continue;
      const head = this.#nodes.get(id);
      if (head && head.kind !== "delete" && head.parentId === parentId && head.encName === encName) return head;
    }
    return null;
  }

  /**
   * Loads the chunk ids of some nodes' head versions (for items that keep them).
   * @param db The open transaction.
   * @param vaultId The vault.
   * @param nodeIds The nodes.
   */
  async loadHeadChunks(db: Executor, vaultId: string, nodeIds: readonly string[]): Promise<void> {
    const ids = [...new Set(nodeIds)].filter((id) => !this.#chunks.has(id) && this.#nodes.get(id)?.kind === "file");
    for (let i = 0; i < ids.length; i += SLICE) {
      const slice = ids.slice(i, i + SLICE);
      const rows = await db.execute({
        sql: `SELECT vc.node_id, vc.chunk_id FROM version_chunks vc JOIN tree t
                ON t.vault_id = vc.vault_id AND t.node_id = vc.node_id AND t.head_version = vc.version
              WHERE vc.vault_id = ? AND vc.node_id IN (${slice.map(() => "?").join(", ")}) ORDER BY vc.node_id, vc.ord`,
        args: [vaultId, ...slice],
      });
      const found = new Map<string, string[]>(slice.map((id) => [id, []]));
      for (const r of rows.rows) found.get(str(r.node_id))?.push(str(r.chunk_id));
      for (const [id, list] of found) this.#chunks.set(id, list);
    }
  }

  /**
   * The chunk ids of a node's head, when loaded or written by the group.
   * @param nodeId The node.
   * @returns Its chunks, or undefined when unknown.
   */
  headChunks(nodeId: string): readonly string[] | undefined {
    return this.#chunks.get(nodeId);
  }

  /**
   * Records a node's new head (and the operation that wrote it).
   * @param head The new head.
   * @param opId Its operation id.
   * @param chunks Its chunk ids.
   */
  put(head: Head, opId: string, chunks: readonly string[]): void {
    const before = this.#nodes.get(head.nodeId);
    const opBefore = this.#ops.get(opId);
    const chunksBefore = this.#chunks.get(head.nodeId);
    this.#undo?.push(() => {
      if (before) this.#nodes.set(head.nodeId, before);
      else this.#nodes.delete(head.nodeId);
      if (opBefore) this.#ops.set(opId, opBefore);
      else this.#ops.delete(opId);
      if (chunksBefore) this.#chunks.set(head.nodeId, chunksBefore);
      else this.#chunks.delete(head.nodeId);
    });
    this.#nodes.set(head.nodeId, head);
    this.#chunks.set(head.nodeId, chunks);
    if (head.kind !== "delete") this.#addName(head);
    const { nodeId, version, seq, kind, parentId, encName, manifest } = head;
    this.#ops.set(opId, { nodeId, version, seq, kind, parentId, encName, manifest, origin: { type: "commit" } });
    this.#written.set(opId, head);
  }

  /**
   * Sets the seq of an operation, and of the head it wrote, once its event
   * is stored: a later item's result that shows that head (as
   * `conflict.head` or `name_taken.existing`) holds the same object, so it
   * shows the seq too.
   * @param opId The operation.
   * @param seq The event's seq.
   */
  setSeq(opId: string, seq: number): void {
    const op = this.#ops.get(opId);
    if (op) op.seq = seq;
    const head = this.#written.get(opId);
    if (head) head.seq = seq;
  }

  /** Starts recording changes so {@link rollback} can undo them. */
  begin(): void {
    this.#undo = [];
  }

  /** Undoes the changes since {@link begin}. */
  rollback(): void {
    const undo = this.#undo ?? [];
    this.#undo = null;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
  }

  /** Keeps the changes since {@link begin}. */
  keep(): void {
    this.#undo = null;
  }
}
