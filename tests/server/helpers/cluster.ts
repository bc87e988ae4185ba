/**
 * Several real `syncagent server` child processes on one SQLite file and
 * one chunk folder, as in a deployment behind a load balancer, for tests
 * that race requests across processes. Within one process libSQL runs
 * statements synchronously, so requests to one server never overlap; across
 * processes they do, which is what a check-then-update bug needs to show.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@libsql/client";
import { openDatabase } from "../../../lib/server/db/open.ts";
import { spawnServer, type ServerProcess } from "./spawn.ts";

/** The admin password of every cluster set up by {@link setUpAdmin}. */
export const CLUSTER_ADMIN_PASSWORD = "correct horse battery staple";

/** Running server processes sharing a data dir. */
export interface Cluster {
  dataDir: string;
  servers: ServerProcess[];
  /** Opens the shared database from the test process (close it after use). */
  openDb(): Promise<Client>;
  /** Stops every server (SIGTERM, waiting for each exit) and removes the data dir. */
  stop(): Promise<void>;
}

/** A browser session on one server of the cluster. */
export interface ClusterAdmin {
  cookie: string;
  csrfToken: string;
}

/**
 * Starts `count` servers on one new data dir. The first starts alone (it
 * applies the migrations), the others then start together.
 * @param count How many processes (at least 2 for a race).
 * @returns The cluster.
 */
export async function startCluster(count: number): Promise<Cluster> {
  const dataDir = await mkdtemp(join(tmpdir(), "syncagent-cluster-"));
  const env = { SYNCAGENT_DATA_DIR: dataDir, SYNCAGENT_LOG_LEVEL: "warn" };
  const servers: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      servers.map(async (server) => {
        if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGTERM");
        await server.exited;
      }),
    );
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    servers.push(await spawnServer(["--port", "0"], env));
    servers.push(...(await Promise.all(Array.from({ length: count - 1 }, () => spawnServer(["--port", "0"], env)))));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dataDir,
    servers,
    openDb: () => openDatabase({ url: `file:${join(dataDir, "syncagent.db")}` }),
    stop,
  };
}

/**
 * Creates the admin through `POST /api/setup` on one server.
 * @param url That server's base URL.
 * @returns The admin's session.
 */
export async function setUpAdmin(url: string): Promise<ClusterAdmin> {
  const res = await fetch(`${url}/api/setup`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ username: "admin", password: CLUSTER_ADMIN_PASSWORD }),
  });
  if (res.status !== 201) throw new Error(`Setup failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "", csrfToken: body.csrfToken };
}

/**
 * fetch as the admin browser on a server of the cluster (the session is
 * shared: it lives in the database).
 * @param url The server's base URL.
 * @param admin The session.
 * @param path The path.
 * @param init Request options; a body gets a JSON content type.
 * @returns The answer.
 */
export function adminFetch(url: string, admin: ClusterAdmin, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("cookie", admin.cookie);
  headers.set("x-csrf-token", admin.csrfToken);
  headers.set("origin", url);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return fetch(url + path, { ...init, headers });
}

/**
 * Sends `count` requests at once, spread over the servers in turn, and
 * waits for every answer.
 * @param servers Where to send them.
 * @param count How many.
 * @param send Sends request `i` to the server at `url`.
 * @returns The answers, in request order.
 */
export function race(servers: readonly ServerProcess[], count: number, send: (url: string, i: number) => Promise<Response>): Promise<Response[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => send(servers[i % servers.length]!.url, i)));
}
