/**
 * Committing and reading nodes over real HTTP as a machine: the helpers of
 * the tree, write and folder-trash tests. Bind them to a server with
 * {@link nodesOverHttp}.
 */
import { expect } from "vitest";
import type { TestServer } from "../../helpers/server.ts";
import { hexId } from "./context.ts";

/** One item's result as `POST /api/commits` answers it. */
export interface Result {
  nodeId: string;
  opId: string;
  status: string;
  code: number;
  version?: number;
  seq?: number;
  replayed?: boolean;
  existing?: { nodeId: string };
  parent?: { nodeId: string; state: string };
  head?: { version: number };
}

/** The helpers, bound to one server. */
export interface NodesOverHttp {
  /** Commits items; expects 200 and returns the results. */
  commit: (items: object[], atomic?: boolean) => Promise<Result[]>;
  /** Commits items and expects every one `ok` (201). */
  ok: (items: object[]) => Promise<Result[]>;
  /** GETs a path as the machine; expects 200. */
  get: <T>(path: string) => Promise<T>;
  /** How many events the log holds. */
  eventCount: () => Promise<number>;
  /** Uploads `size` random bytes as a chunk; returns its id. */
  uploadChunk: (size?: number) => Promise<string>;
}

/**
 * Binds the helpers to a server (read lazily, so it can be started in `beforeAll`).
 * @param server Returns the running server.
 * @returns The helpers.
 */
export function nodesOverHttp(server: () => TestServer): NodesOverHttp {
  const helpers: NodesOverHttp = {
    commit: async (items, atomic) => {
      const body = JSON.stringify(atomic === undefined ? { items } : { items, atomic });
      const res = await server().machineFetch("/api/commits", { method: "POST", body });
      expect(res.status).toBe(200);
      return ((await res.json()) as { results: Result[] }).results;
    },
    ok: async (items) => {
      const results = await helpers.commit(items);
      expect(results.map((r) => [r.status, r.code])).toEqual(items.map(() => ["ok", 201]));
      return results;
    },
    get: async <T>(path: string): Promise<T> => {
      const res = await server().machineFetch(path);
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    },
    eventCount: async () => {
      const n = await server().ctx.db.execute("SELECT COUNT(*) AS n FROM events");
      return Number(n.rows[0]?.n);
    },
    uploadChunk: async (size = 64) => {
      const id = hexId();
      const put = await server().machineFetch(`/api/chunks/${id}`, { method: "PUT", body: crypto.getRandomValues(new Uint8Array(size)) });
      expect(put.status).toBe(201);
      return id;
    },
  };
  return helpers;
}
