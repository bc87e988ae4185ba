/**
 * Starts a real SyncAgent server for tests: 127.0.0.1 on a random port, a
 * temp data dir (SQLite file, chunk folder, log file), an injectable clock,
 * the admin created through `POST /api/setup`, and one machine registered
 * through a real invitation. Everything goes over real HTTP.
 *
 * @example
 * const server = await startTestServer();
 * const res = await server.adminFetch("/api/invitations", { method: "POST" });
 * const res2 = await server.machineFetch("/api/vault/key");
 * await server.close();
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuthContextExtras, WebSecurity } from "../../lib/server/auth/deps.ts";
import { openServerContext, closeServerContext } from "../../lib/server/bootstrap.ts";
import { resolveServerConfig } from "../../lib/server/config.ts";
import type { ServerContext } from "../../lib/server/context.ts";
import { startServer, type RunningServer } from "../../lib/server/serve.ts";
import type { HubContextExtras, HubOptions } from "../../lib/server/ws/hub.ts";
import { openFolderStore } from "../server/helpers/fs-store.ts";
import { dropPgSchema, pgSchemaUrl, TEST_PG_URL } from "./pg-schema.ts";

/** A clock tests can move forward; starts at real time and keeps ticking. */
export interface TestClock {
  now(): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

/**
 * Creates a {@link TestClock}.
 * @returns The clock.
 */
export function createTestClock(): TestClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

/** A logged-in browser session. */
export interface TestSession {
  /** `name=value`, ready for a `Cookie` header. */
  cookie: string;
  csrfToken: string;
  userId: string;
}

/** A registered machine. */
export interface TestMachine {
  machineId: string;
  token: string;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Share a data dir (SQLite + chunks) with another server; not removed on close. */
  dataDir?: string;
  /** Create the admin and a machine. @default true */
  setup?: boolean;
  /** Overrides of the web security settings (timeouts, limits). */
  web?: Partial<WebSecurity>;
  /** Clock to inject. @default a new {@link createTestClock} */
  clock?: TestClock;
  /** Hub tuning (a short heartbeat for heartbeat tests). */
  hub?: Partial<HubOptions>;
  /** Extra CLI-style config values (`allowed-hosts`, …). */
  config?: Record<string, string>;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Origin header value a browser on this server would send. */
  origin: string;
  dataDir: string;
  logFile: string;
  ctx: ServerContext & AuthContextExtras & HubContextExtras;
  running: RunningServer;
  clock: TestClock;
  /** Admin login name and password (only when `setup`). */
  username: string;
  password: string;
  /** The admin's session (only when `setup`; otherwise empty strings). */
  admin: TestSession;
  /** A machine registered with an invitation (only when `setup`). */
  machine: TestMachine;
  /** fetch relative to `url`, nothing added. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** fetch as the admin browser: cookie, CSRF header and Origin set; JSON content type when a body is given. */
  adminFetch(path: string, init?: RequestInit, session?: TestSession): Promise<Response>;
  /** fetch as a machine: `Authorization: Bearer`. */
  machineFetch(path: string, init?: RequestInit, token?: string): Promise<Response>;
  /** Logs in over HTTP. */
  login(username?: string, password?: string): Promise<TestSession>;
  /** Creates an invitation as the admin and registers a machine with it. */
  registerMachine(name?: string): Promise<TestMachine>;
  /** Stops the server, closes the database and removes the temp dir (unless shared). */
  close(): Promise<void>;
}

/** The admin password every test server uses. */
export const TEST_ADMIN_PASSWORD = "correct horse battery staple";

function withJson(init: RequestInit = {}): Headers {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return headers;
}

function sessionFrom(res: Response, body: { csrfToken: string; user: { id: string } }): TestSession {
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0] ?? "", csrfToken: body.csrfToken, userId: body.user.id };
}

/**
 * Starts a server on 127.0.0.1 with a random port.
 * @param options Data dir, setup, clock and settings.
 * @returns The running server and helpers.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "syncagent-test-")));
  const database = TEST_PG_URL && !options.config?.["database-url"] ? { "database-url": await pgSchemaUrl(dataDir) } : {};
  const config = resolveServerConfig({
    values: { "data-dir": dataDir, host: "127.0.0.1", port: "0", "log-level": "info", ...database, ...options.config },
    env: {},
  });
  const clock = options.clock ?? createTestClock();
  const base = await openServerContext(config, {
    stdout: false,
    openStore: (storage) => openFolderStore(storage.kind === "local" ? storage.dir : join(dataDir, "chunks")),
  });
  const ctx: ServerContext & AuthContextExtras & HubContextExtras = Object.assign(base, {
    now: () => clock.now(),
    web: options.web ?? {},
    hub: options.hub ?? {},
  });
  if (process.env.SYNCAGENT_TEST_LOG_ERRORS) {
    // The server's unexpected errors on the test's stderr as well as in its log file (a 500's cause, at once).
    const logger = ctx.logger as unknown as { error: (...args: unknown[]) => void };
    const error = logger.error.bind(logger);
    logger.error = (...args: unknown[]) => {
      console.error("server error:", ...args);
      error(...args);
    };
  }
  const running = await startServer(ctx);
  const url = running.url;
  const origin = url;

  const server: TestServer = {
    url,
    port: running.port,
    origin,
    dataDir,
    logFile: config.logFile,
    ctx,
    running,
    clock,
    username: "admin",
    password: TEST_ADMIN_PASSWORD,
    admin: { cookie: "", csrfToken: "", userId: "" },
    machine: { machineId: "", token: "" },
    fetch: (path, init) => fetch(url + path, init),
    adminFetch(path, init = {}, session = server.admin) {
      const headers = withJson(init);
      if (!headers.has("cookie")) headers.set("cookie", session.cookie);
      if (!headers.has("x-csrf-token")) headers.set("x-csrf-token", session.csrfToken);
      if (!headers.has("origin")) headers.set("origin", origin);
      return fetch(url + path, { ...init, headers });
    },
    machineFetch(path, init = {}, token = server.machine.token) {
      const headers = withJson(init);
      headers.set("authorization", `Bearer ${token}`);
      return fetch(url + path, { ...init, headers });
    },
    async login(username = server.username, password = server.password) {
      const res = await fetch(url + "/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", origin },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200) throw new Error(`Login failed: ${res.status} ${await res.text()}`);
      return sessionFrom(res, (await res.json()) as { csrfToken: string; user: { id: string } });
    },
    async registerMachine(name = "laptop") {
      const inv = await server.adminFetch("/api/invitations", { method: "POST" });
      if (inv.status !== 201) throw new Error(`Invitation failed: ${inv.status} ${await inv.text()}`);
      const { code } = (await inv.json()) as { code: string };
      const reg = await fetch(url + "/api/machines/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ invitation: code, name, platform: "linux" }),
      });
      if (reg.status !== 201) throw new Error(`Registration failed: ${reg.status} ${await reg.text()}`);
      return (await reg.json()) as TestMachine;
    },
    async close() {
      await running.close();
      await closeServerContext(ctx);
      if (owned) await rm(dataDir, { recursive: true, force: true });
      if (owned && TEST_PG_URL) await dropPgSchema(dataDir);
    },
  };

  if (options.setup !== false) {
    const res = await fetch(url + "/api/setup", {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify({ username: server.username, password: server.password }),
    });
    if (res.status !== 201) throw new Error(`Setup failed: ${res.status} ${await res.text()}`);
    server.admin = sessionFrom(res, (await res.json()) as { csrfToken: string; user: { id: string } });
    server.machine = await server.registerMachine();
  }
  return server;
}
