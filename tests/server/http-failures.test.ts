/**
 * The failure answers of the file, chunk, trash, tree, snapshot, changes,
 * stats, versions and admin routes over real HTTP, one table per rule of
 * docs/api.md: 401 without credentials, 422 for ids that are not 32 (node
 * ids) or 64 (chunk ids) lowercase hex, 404 for well-formed unknown ids, 400 for malformed JSON,
 * 413 past each body limit, 403 for a browser cookie without its CSRF token
 * or from a foreign Origin, and 403 for machine tokens on admin routes.
 * Every row checks the status and the `{ error: { code } }` of the answer
 * (HEAD answers carry no body, so HEAD rows check the status, the JSON error
 * headers and the empty body, and that the same request as GET answers with
 * that status and the row's code). One real server for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { hexId } from "./helpers/context.ts";
import { encBlob, nodeId, opId, ROOT_NODE_ID } from "./helpers/nodes.ts";
import { MAX_BATCH_BYTES } from "../../lib/server/chunks/batch.ts";
import { CHUNKS_CONTENT_TYPE, encodeFrames } from "../../lib/server/chunks/frames.ts";

/** `max-chunk-bytes` of this server: small, so the chunk limits are cheap to cross. */
const MAX_CHUNK = 4096;
/** The documented body limits (docs/api.md; lib/server/http/validate.ts and lib/server/routes). */
const JSON_LIMIT = 32 * 1024 * 1024;
const MISSING_LIMIT = 1024 * 1024;
const BATCH_LIMIT = MAX_BATCH_BYTES;
const PURGE_LIMIT = 4096;

type Method = "GET" | "HEAD" | "POST" | "PUT" | "DELETE";

/** Who sends the request, and how. */
type Caller =
  | "anonymous"
  | "unknown token"
  | "unknown cookie"
  | "machine"
  | "admin"
  | "cookie without CSRF token"
  | "cookie with a wrong CSRF token"
  | "cookie from a foreign Origin"
  | "cookie without Origin"
  | "cookie from Origin null";

/** One request of a table. */
interface Request {
  method: Method;
  /** A function when every send needs fresh ids. */
  path: string | (() => string);
  /** Raw body, built per send. */
  body?: () => BodyInit;
  contentType?: string;
}

/** One row: a request and the error it must get. */
interface Case extends Request {
  as: Caller;
  status: number;
  /** The `error.code`; for HEAD (no body), the code its GET twin answers with. */
  code: string;
  /** 422: the field the first (and only) issue names, e.g. `body.items.0.nodeId`. */
  field?: string;
  /** 413: the limit the answer reports. */
  limit?: number;
  /** Appended to the row's title. */
  note?: string;
}

let server: TestServer;
const folder = ROOT_NODE_ID;
/** A file node committed in `beforeAll` (version 1, one chunk). */
const knownPath = nodeId();
/** The chunk of `knownPath`. */
const knownChunk = hexId();
const knownBytes = crypto.getRandomValues(new Uint8Array(100));

beforeAll(async () => {
  server = await startTestServer({ config: { "max-chunk-bytes": String(MAX_CHUNK) } });
  const put = await server.machineFetch(`/api/chunks/${knownChunk}`, {
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: knownBytes,
  });
  expect(put.status).toBe(201);
  const commit = await server.machineFetch("/api/commits", { method: "POST", body: json(commitBody({ nodeId: knownPath })) });
  expect(commit.status).toBe(200);
  expect(await commit.json()).toMatchObject({ results: [{ status: "ok", version: 1 }] });
});
afterAll(async () => server.close());

// ---------------------------------------------------------------------------
// Bodies and requests

function json(value: unknown): string {
  return JSON.stringify(value);
}

function commitBody(over: Record<string, unknown> = {}): { items: Record<string, unknown>[] } {
  return {
    items: [{ opId: opId(), nodeId: nodeId(), parentId: folder, baseVersion: 0, kind: "file", encName: encBlob(), manifest: encBlob(), chunks: [knownChunk], ...over }],
  };
}

/** Restores version 1 of `knownPath` on a stale head: a 409 conflict once past auth and validation. */
function versionRestoreBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { opId: opId(), version: 1, baseVersion: 0, manifest: encBlob(), chunks: [knownChunk], ...over };
}

/** A trash restore of a node that was never deleted: 404 once past auth and validation. */
function trashRestoreBody(over: Record<string, unknown> = {}, alternative: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    opId: opId(),
    nodeId: nodeId(),
    deletedVersion: 1,
    chunks: [knownChunk],
    original: { manifest: encBlob() },
    alternative: { parentId: folder, encName: encBlob(), manifest: encBlob(), ...alternative },
    ...over,
  };
}

/** A framed batch upload of one small chunk (lib/server/chunks/frames.ts). */
function batchBody(id = hexId()): Uint8Array<ArrayBuffer> {
  return encodeFrames([{ id, sha256: null, bytes: crypto.getRandomValues(new Uint8Array(32)) }]) as Uint8Array<ArrayBuffer>;
}

/** `text` followed by spaces up to `total` bytes: still valid JSON when `text` is. */
function padded(text: string, total: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(total).fill(0x20);
  bytes.set(new TextEncoder().encode(text));
  return bytes;
}

/** The bytes as a stream without a Content-Length (chunked transfer encoding). */
function streamed(bytes: Uint8Array<ArrayBuffer>, piece = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

function headersFor(as: Caller, hasBody: boolean, contentType = "application/json"): Headers {
  const headers = new Headers();
  if (hasBody) headers.set("content-type", contentType);
  const cookie = server.admin.cookie;
  const csrf = server.admin.csrfToken;
  const browser = (values: { origin?: string; csrf?: string }): void => {
    headers.set("cookie", cookie);
    if (values.origin !== undefined) headers.set("origin", values.origin);
    if (values.csrf !== undefined) headers.set("x-csrf-token", values.csrf);
  };
  switch (as) {
    case "anonymous":
      break;
    case "unknown token":
      headers.set("authorization", `Bearer sam_${"A".repeat(43)}`);
      break;
    case "unknown cookie":
      headers.set("cookie", `${cookie.split("=")[0]}=${"A".repeat(43)}`);
      headers.set("origin", server.origin);
      headers.set("x-csrf-token", csrf);
      break;
    case "machine":
      headers.set("authorization", `Bearer ${server.machine.token}`);
      break;
    case "admin":
      browser({ origin: server.origin, csrf });
      break;
    case "cookie without CSRF token":
      browser({ origin: server.origin });
      break;
    case "cookie with a wrong CSRF token":
      browser({ origin: server.origin, csrf: `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` });
      break;
    case "cookie from a foreign Origin":
      browser({ origin: "http://evil.example", csrf });
      break;
    case "cookie without Origin":
      browser({ csrf });
      break;
    case "cookie from Origin null":
      browser({ origin: "null", csrf });
      break;
  }
  return headers;
}

async function send(request: Request, as: Caller): Promise<Response> {
  const body = request.body?.();
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: headersFor(as, body !== undefined, request.contentType) };
  if (body !== undefined) init.body = body;
  if (body instanceof ReadableStream) init.duplex = "half";
  const path = typeof request.path === "function" ? request.path() : request.path;
  return server.fetch(path, init);
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[]; limit?: number };
}

/** Sends the row's request and checks status, error code and the row's details. */
async function expectFailure(row: Case): Promise<void> {
  const res = await send(row, row.as);
  if (row.method === "HEAD") {
    expect(res.status).toBe(row.status);
    expect(await res.text()).toBe("");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const twin = await send({ ...row, method: "GET" }, row.as);
    const twinText = await twin.text();
    expect({ status: twin.status, text: twinText }).toMatchObject({ status: row.status });
    expect((JSON.parse(twinText) as ErrorBody).error.code).toBe(row.code);
    return;
  }
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status: row.status });
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.code).toBe(row.code);
  expect(body.error.message.length).toBeGreaterThan(0);
  if (row.field !== undefined) {
    expect(body.error.issues?.map((i) => i.path)).toEqual([row.field]);
    expect(body.error.message).toMatch(new RegExp(`^Invalid ${row.field.replaceAll(".", "\\.")}: `));
  }
  if (row.limit !== undefined) expect(body.error.limit).toBe(row.limit);
}

const WELL_FORMED_ID = /(?<![0-9A-Za-z])(?:[0-9a-f]{64}|[0-9a-f]{32})(?![0-9A-Za-z])/g;

/** `METHOD /path` with well-formed ids shown as `:id` and the query left out. */
function signature(request: Request): string {
  const path = typeof request.path === "function" ? request.path() : request.path;
  return `${request.method} ${path.replace(WELL_FORMED_ID, ":id").split("?")[0]}`;
}

/**
 * Declares one test per row.
 * @param rows The table.
 * @param check What each row must satisfy.
 */
function table(rows: Case[], check: (row: Case) => Promise<void>): void {
  for (const row of titled(rows)) it(row.title, () => check(row));
}

function titled(rows: Case[]): (Case & { title: string })[] {
  return rows.map((row) => {
    const path = (typeof row.path === "function" ? row.path() : row.path).replace(WELL_FORMED_ID, ":id");
    const detail = [row.field, row.limit !== undefined ? `limit ${row.limit}` : undefined, row.note].filter(Boolean).join(", ");
    return { ...row, title: `${row.method} ${path} as ${row.as}${detail ? ` (${detail})` : ""} → ${row.status} ${row.code}` };
  });
}

/** {@link expectFailure}, and the event log's head did not move. */
async function expectFailureRecordingNothing(row: Case): Promise<void> {
  const before = await eventHead();
  await expectFailure(row);
  expect(await eventHead()).toBe(before);
}

async function eventHead(): Promise<number> {
  const res = await server.adminFetch("/api/admin/metrics");
  expect(res.status).toBe(200);
  return ((await res.json()) as { events: { headSeq: number } }).events.headSeq;
}

// ---------------------------------------------------------------------------
// The routes

/** A route with a request that succeeds (status `ok`) for an authorised caller. */
interface Route extends Request {
  admin?: boolean;
  ok: number;
}

const ROUTES: Route[] = [
  { method: "POST", path: "/api/commits", body: () => json(commitBody()), ok: 200 },
  { method: "GET", path: "/api/changes", ok: 200 },
  { method: "GET", path: "/api/snapshot", ok: 200 },
  { method: "GET", path: `/api/tree?parentId=${folder}`, ok: 200 },
  { method: "GET", path: `/api/files/${knownPath}/versions`, ok: 200 },
  { method: "POST", path: `/api/files/${knownPath}/restore`, body: () => json(versionRestoreBody()), ok: 409 },
  {
    method: "PUT",
    path: () => `/api/chunks/${hexId()}`,
    body: () => crypto.getRandomValues(new Uint8Array(64)),
    contentType: "application/octet-stream",
    ok: 201,
  },
  { method: "HEAD", path: `/api/chunks/${knownChunk}`, ok: 200 },
  { method: "GET", path: `/api/chunks/${knownChunk}`, ok: 200 },
  { method: "POST", path: "/api/chunks/missing", body: () => json({ ids: [knownChunk, hexId()] }), ok: 200 },
  { method: "POST", path: "/api/chunks/batch", body: () => batchBody(), contentType: CHUNKS_CONTENT_TYPE, ok: 200 },
  { method: "POST", path: "/api/chunks/fetch", body: () => json({ ids: [knownChunk, hexId()] }), ok: 200 },
  { method: "GET", path: "/api/trash", ok: 200 },
  { method: "POST", path: "/api/trash/restore", body: () => json(trashRestoreBody()), ok: 404 },
  { method: "GET", path: "/api/stats", ok: 200 },
  { method: "POST", path: "/api/admin/purge-trash", body: () => json({ olderThanDays: 36500 }), admin: true, ok: 200 },
  { method: "POST", path: "/api/admin/rebuild-projections", admin: true, ok: 200 },
  { method: "GET", path: "/api/admin/metrics", admin: true, ok: 200 },
  { method: "GET", path: "/api/admin/dead-letters", admin: true, ok: 200 },
];

/** The other admin routes of docs/api.md (invitations, machine removal), for the machine-token and CSRF rules. */
const OTHER_ADMIN_ROUTES: Route[] = [
  { method: "POST", path: "/api/invitations", admin: true, ok: 201 },
  { method: "GET", path: "/api/invitations", admin: true, ok: 200 },
  { method: "DELETE", path: () => `/api/invitations/${hexId()}`, admin: true, ok: 404 },
  { method: "DELETE", path: () => `/api/machines/${hexId()}`, admin: true, ok: 404 },
];

const STATE_CHANGING = new Set<Method>(["POST", "PUT", "DELETE"]);
const BAD_IDS = {
  uppercase: () => hexId().toUpperCase(),
  "63 chars": () => hexId().slice(1),
  "65 chars": () => `${hexId()}0`,
  "not hex": () => "g".repeat(64),
} satisfies Record<string, () => string>;
const BAD_ID_VALUES = Object.values(BAD_IDS);
/** The same four faults for node ids (32 lowercase hex). */
const BAD_NODE_IDS = {
  uppercase: () => nodeId().toUpperCase(),
  "31 chars": () => nodeId().slice(1),
  "33 chars": () => `${nodeId()}0`,
  "not hex": () => "g".repeat(32),
} satisfies Record<string, () => string>;
const BAD_NODE_ID_VALUES = Object.values(BAD_NODE_IDS);

// ---------------------------------------------------------------------------

describe("controls: the table requests succeed for the right caller", () => {
  const rows = [...ROUTES, ...OTHER_ADMIN_ROUTES].flatMap((route) =>
    (route.admin ? (["admin"] as const) : (["machine", "admin"] as const)).map((as) => ({ ...route, as })),
  );
  for (const row of rows) {
    it(`${signature(row)} as ${row.as} → ${row.ok}`, async () => {
      const res = await send(row, row.as);
      expect(res.status).toBe(row.ok);
      await res.arrayBuffer();
    });
  }

  it("reads with a cookie and no CSRF token (only state-changing methods need it)", async () => {
    for (const route of ROUTES.filter((r) => !STATE_CHANGING.has(r.method))) {
      const res = await send(route, "cookie without CSRF token");
      expect(res.status, `${route.method} ${String(route.path)}`).toBe(route.ok);
      await res.arrayBuffer();
    }
  });

  it("moves the event head on a recorded commit (the refusal rows check it stays put)", async () => {
    const before = await eventHead();
    const res = await server.machineFetch("/api/commits", { method: "POST", body: json(commitBody()) });
    expect(res.status).toBe(200);
    expect(await eventHead()).toBeGreaterThan(before);
  });

  it("serves the known chunk and versions that the 404 rows look for under other ids", async () => {
    const chunk = await server.machineFetch(`/api/chunks/${knownChunk}`);
    expect(new Uint8Array(await chunk.arrayBuffer())).toEqual(knownBytes);
    const versions = await server.machineFetch(`/api/files/${knownPath}/versions`);
    expect(await versions.json()).toMatchObject({ nodeId: knownPath, versions: [{ version: 1, chunks: [knownChunk] }] });
  });
});

describe("(a) 401 without valid credentials", () => {
  const rows: Case[] = ROUTES.flatMap((route) => [
    { ...route, as: "anonymous" as const, status: 401, code: "unauthenticated" },
    { ...route, as: "unknown token" as const, status: 401, code: "invalid_token" },
    { ...route, as: "unknown cookie" as const, status: 401, code: "unauthenticated" },
  ]);
  table(rows, expectFailure);
});

describe("(b) 422 invalid_request for ids that are not 32 (nodes) or 64 (chunks) lowercase hex", () => {
  const pathRows: Case[] = BAD_ID_VALUES.flatMap((bad, i) => {
    const id = bad();
    const node = (BAD_NODE_ID_VALUES[i] ?? bad)();
    return [
      { method: "GET" as const, path: `/api/files/${node}/versions`, field: "nodeId" },
      { method: "POST" as const, path: `/api/files/${node}/restore`, body: () => json(versionRestoreBody()), field: "nodeId" },
      { method: "PUT" as const, path: `/api/chunks/${id}`, body: () => new Uint8Array(8), contentType: "application/octet-stream", field: "id" },
      { method: "HEAD" as const, path: `/api/chunks/${id}` },
      { method: "GET" as const, path: `/api/chunks/${id}`, field: "id" },
    ].map((r) => ({ ...r, as: "machine" as const, status: 422, code: "invalid_request" }));
  });

  const bodyRows: Case[] = (["uppercase", "63 chars"] as const).flatMap((kind) => {
    const bad = BAD_IDS[kind];
    const badNode = BAD_NODE_IDS[kind === "uppercase" ? "uppercase" : "31 chars"];
    const bodyRow = (path: string, field: string, body: () => unknown): Case => ({
      method: "POST",
      path,
      body: () => json(body()),
      as: "machine",
      status: 422,
      code: "invalid_request",
      field,
      note: kind,
    });
    return [
    bodyRow("/api/commits", "body.items.0.nodeId", () => commitBody({ nodeId: badNode() })),
    bodyRow("/api/commits", "body.items.0.parentId", () => commitBody({ parentId: badNode() })),
    bodyRow("/api/commits", "body.items.0.chunks.0", () => commitBody({ chunks: [bad()] })),
    bodyRow(`/api/files/${knownPath}/restore`, "body.chunks.0", () => versionRestoreBody({ chunks: [bad()] })),
    bodyRow("/api/chunks/missing", "body.ids.1", () => ({ ids: [hexId(), bad()] })),
    bodyRow("/api/chunks/fetch", "body.ids.1", () => ({ ids: [hexId(), bad()] })),
    bodyRow("/api/trash/restore", "body.nodeId", () => trashRestoreBody({ nodeId: badNode() })),
    bodyRow("/api/trash/restore", "body.chunks.0", () => trashRestoreBody({ chunks: [bad()] })),
    bodyRow("/api/trash/restore", "body.alternative.parentId", () => trashRestoreBody({}, { parentId: badNode() })),
    ];
  });

  const queryRows: Case[] = [BAD_NODE_IDS.uppercase, BAD_NODE_IDS["not hex"]].flatMap((bad) =>
    [
      { path: `/api/snapshot?after=${bad()}`, field: "query.after" },
      { path: `/api/tree?parentId=${bad()}`, field: "query.parentId" },
      { path: `/api/tree?parentId=${folder}&after=${bad()}`, field: "query.after" },
    ].map((r) => ({ ...r, method: "GET" as const, as: "machine" as const, status: 422, code: "invalid_request" })),
  );

  table([...pathRows, ...bodyRows, ...queryRows], expectFailure);

  it("says what is wrong with a path or body id", async () => {
    const path = await server.machineFetch(`/api/files/${BAD_NODE_IDS.uppercase()}/versions`);
    expect(((await path.json()) as ErrorBody).error.message).toBe("Invalid nodeId: must be 32 lowercase hex characters");
    const body = await server.machineFetch("/api/commits", { method: "POST", body: json(commitBody({ nodeId: "ABC" })) });
    expect(((await body.json()) as ErrorBody).error.message).toBe("Invalid body.items.0.nodeId: must be 32 lowercase hex characters");
  });
});

describe("(c) 404 not_found for well-formed ids that do not exist", () => {
  const rows: Case[] = [
    { method: "GET", path: () => `/api/files/${nodeId()}/versions`, note: "unknown node" },
    { method: "POST", path: () => `/api/files/${nodeId()}/restore`, body: () => json(versionRestoreBody()), note: "unknown node" },
    {
      method: "POST",
      path: `/api/files/${knownPath}/restore`,
      body: () => json(versionRestoreBody({ version: 99, baseVersion: 1 })),
      note: "unknown version of a known node",
    },
    { method: "GET", path: () => `/api/chunks/${hexId()}`, note: "unknown chunk" },
    { method: "HEAD", path: () => `/api/chunks/${hexId()}`, note: "unknown chunk" },
    { method: "POST", path: "/api/trash/restore", body: () => json(trashRestoreBody()), note: "unknown node" },
    {
      method: "POST",
      path: "/api/trash/restore",
      body: () => json(trashRestoreBody({ nodeId: knownPath, deletedVersion: 1 })),
      note: "a live node that was never deleted",
    },
  ].map((r) => ({ ...(r as Request & { note: string }), as: "machine" as const, status: 404, code: "not_found" }));
  table(rows, expectFailure);
});

describe("(d) 400 invalid_json for malformed JSON bodies", () => {
  const routes: { path: string; as: Caller; skipEmpty?: boolean }[] = [
    // purge-trash: every field is optional, so an empty body is not asserted either way.
    { path: "/api/commits", as: "machine" },
    { path: `/api/files/${knownPath}/restore`, as: "machine" },
    { path: "/api/chunks/missing", as: "machine" },
    { path: "/api/chunks/fetch", as: "machine" },
    { path: "/api/trash/restore", as: "machine" },
    { path: "/api/admin/purge-trash", as: "admin", skipEmpty: true },
  ];
  const malformed = ["{not json", '{"items":[', "[1,]", "'single'"];
  const rows: Case[] = routes.flatMap((route) =>
    [...malformed, ...(route.skipEmpty ? [] : [""])].map((text) => ({
      note: `body ${JSON.stringify(text)}`,
      method: "POST" as const,
      path: route.path,
      body: () => text,
      as: route.as,
      status: 400,
      code: "invalid_json",
    })),
  );
  table(rows, expectFailure);
});

describe("(e) 413 too_large past each body limit", () => {
  const over = (path: string, limit: number, prefix: string, as: Caller = "machine"): Case[] => [
    { method: "POST", path, body: () => padded(prefix, limit + 1), as, status: 413, code: "too_large", limit, note: "declared" },
    { method: "POST", path, body: () => streamed(padded(prefix, limit + 1)), as, status: 413, code: "too_large", limit, note: "streamed" },
  ];
  const rows: Case[] = [
    ...over("/api/commits", JSON_LIMIT, json(commitBody())),
    ...over("/api/chunks/missing", MISSING_LIMIT, json({ ids: [hexId()] })),
    ...over("/api/chunks/batch", BATCH_LIMIT, "").map((row) => ({ ...row, contentType: CHUNKS_CONTENT_TYPE })),
    ...over(`/api/files/${knownPath}/restore`, JSON_LIMIT, json(versionRestoreBody())).slice(0, 1),
    ...over("/api/trash/restore", JSON_LIMIT, json(trashRestoreBody())).slice(0, 1),
    ...over("/api/admin/purge-trash", PURGE_LIMIT, json({ olderThanDays: 36500 }), "admin"),
    ...[
      { note: "declared", body: () => crypto.getRandomValues(new Uint8Array(MAX_CHUNK + 1)) },
      { note: "streamed", body: () => streamed(crypto.getRandomValues(new Uint8Array(MAX_CHUNK + 1)), 1000) },
    ].map(({ note, body }) => ({
      note,
      method: "PUT" as const,
      path: () => `/api/chunks/${hexId()}`,
      body,
      contentType: "application/octet-stream",
      as: "machine" as const,
      status: 413,
      code: "too_large",
      limit: MAX_CHUNK,
    })),
  ];
  table(rows, expectFailure);

  it("accepts a body of exactly each limit", async () => {
    const missingId = hexId();
    const missing = await send({ method: "POST", path: "/api/chunks/missing", body: () => padded(json({ ids: [missingId] }), MISSING_LIMIT) }, "machine");
    expect(missing.status).toBe(200);
    expect(await missing.json()).toEqual({ missing: [missingId] });
    const purge = await send({ method: "POST", path: "/api/admin/purge-trash", body: () => padded(json({ olderThanDays: 36500 }), PURGE_LIMIT) }, "admin");
    expect(purge.status).toBe(200);
    await purge.arrayBuffer();
    const id = hexId();
    const chunk = await send(
      { method: "PUT", path: `/api/chunks/${id}`, body: () => new Uint8Array(MAX_CHUNK).fill(7), contentType: "application/octet-stream" },
      "machine",
    );
    expect(chunk.status).toBe(201);
    expect(await chunk.json()).toMatchObject({ id, size: MAX_CHUNK });
  });

  it("stores nothing of a chunk refused as too large", async () => {
    const id = hexId();
    const res = await server.machineFetch(`/api/chunks/${id}`, { method: "PUT", body: streamed(new Uint8Array(MAX_CHUNK + 1), 512), duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect((await server.machineFetch(`/api/chunks/${id}`, { method: "HEAD" })).status).toBe(404);
  });
});

describe("(f) 403 for a browser cookie without the CSRF token or from a foreign Origin", () => {
  const routes = [...ROUTES, ...OTHER_ADMIN_ROUTES].filter((r) => STATE_CHANGING.has(r.method));
  const rows: Case[] = routes.flatMap((route) => [
    { ...route, as: "cookie without CSRF token" as const, status: 403, code: "csrf_failed" },
    { ...route, as: "cookie with a wrong CSRF token" as const, status: 403, code: "csrf_failed" },
    { ...route, as: "cookie from a foreign Origin" as const, status: 403, code: "origin_refused" },
    { ...route, as: "cookie without Origin" as const, status: 403, code: "origin_refused" },
    { ...route, as: "cookie from Origin null" as const, status: 403, code: "origin_refused" },
  ]);

  it("covers every state-changing route of the tables", () => {
    expect(routes.map(signature).sort()).toEqual(
      [
        "POST /api/commits",
        "POST /api/files/:id/restore",
        "PUT /api/chunks/:id",
        "POST /api/chunks/missing",
        "POST /api/chunks/batch",
        "POST /api/chunks/fetch",
        "POST /api/trash/restore",
        "POST /api/admin/purge-trash",
        "POST /api/admin/rebuild-projections",
        "POST /api/invitations",
        "DELETE /api/invitations/:id",
        "DELETE /api/machines/:id",
      ].sort(),
    );
  });

  table(rows, expectFailureRecordingNothing);

  it("stores no chunk and commits no path for a refused cookie request", async () => {
    const chunk = hexId();
    const path = nodeId();
    for (const as of ["cookie without CSRF token", "cookie from a foreign Origin"] as const) {
      const put = await send({ method: "PUT", path: `/api/chunks/${chunk}`, body: () => new Uint8Array(16).fill(1), contentType: "application/octet-stream" }, as);
      expect(put.status).toBe(403);
      const commit = await send({ method: "POST", path: "/api/commits", body: () => json(commitBody({ nodeId: path })) }, as);
      expect(commit.status).toBe(403);
    }
    expect((await server.machineFetch(`/api/chunks/${chunk}`, { method: "HEAD" })).status).toBe(404);
    expect((await server.machineFetch(`/api/files/${path}/versions`)).status).toBe(404);
  });
});

describe("(g) 403 machine_forbidden for machine tokens on admin routes", () => {
  const routes = [...ROUTES, ...OTHER_ADMIN_ROUTES].filter((r) => r.admin);
  const rows: Case[] = routes.map((route) => ({ ...route, as: "machine" as const, status: 403, code: "machine_forbidden" }));

  table(rows, expectFailureRecordingNothing);

  it("refuses a machine removing itself, and its token keeps working", async () => {
    const self = await server.machineFetch(`/api/machines/${server.machine.machineId}`, { method: "DELETE" });
    expect(self.status).toBe(403);
    expect(((await self.json()) as ErrorBody).error.code).toBe("machine_forbidden");
    expect((await server.machineFetch("/api/stats")).status).toBe(200);
  });

  it("creates no invitation for a machine", async () => {
    const count = async (): Promise<number> =>
      ((await (await server.adminFetch("/api/invitations")).json()) as { invitations: unknown[] }).invitations.length;
    const before = await count();
    expect((await server.machineFetch("/api/invitations", { method: "POST" })).status).toBe(403);
    expect(await count()).toBe(before);
  });
});

describe("(h) the auth routes: 401 without credentials, 413 past the pre-authentication bound (S3)", () => {
  /** The body bound of every request without any credential, and of the setup, login and registration routes. */
  const PRE_AUTH_LIMIT = 8 * 1024;
  const AUTH_ROUTES: Request[] = [
    { method: "GET", path: "/api/vault/key" },
    { method: "PUT", path: "/api/vault/key", body: () => json({ blob: "AAAA", version: 0 }) },
    { method: "GET", path: "/api/vault/key-file/versions" },
    { method: "GET", path: "/api/vault/key-file/versions/1" },
    { method: "GET", path: "/api/machines" },
    { method: "GET", path: `/api/machines/${hexId()}/status` },
    { method: "POST", path: "/api/auth/vault", body: () => json({ vaultId: "0".repeat(32) }) },
  ];
  const rows: Case[] = AUTH_ROUTES.flatMap((route) => [
    { ...route, as: "anonymous" as const, status: 401, code: "unauthenticated" },
    { ...route, as: "unknown token" as const, status: 401, code: "invalid_token" },
    { ...route, as: "unknown cookie" as const, status: 401, code: "unauthenticated" },
  ]);
  table(rows, expectFailure);

  const unauthenticated = (path: string, prefix: string): Case[] => [
    { method: "POST", path, body: () => padded(prefix, PRE_AUTH_LIMIT + 1), as: "anonymous", status: 413, code: "too_large", limit: PRE_AUTH_LIMIT, note: "declared" },
    { method: "POST", path, body: () => streamed(padded(prefix, PRE_AUTH_LIMIT + 1), 1024), as: "anonymous", status: 413, code: "too_large", limit: PRE_AUTH_LIMIT, note: "streamed" },
  ];
  table(
    [
      ...unauthenticated("/api/machines/register", json({ invitation: "sai_x", name: "n", platform: "linux" })),
      ...unauthenticated("/api/auth/login", json({ username: "admin", password: "x" })),
      // Routes that need credentials never read a credential-less body: a large declared one is refused before them.
      ...unauthenticated("/api/commits", json(commitBody())).slice(0, 1),
      ...unauthenticated("/api/chunks/batch", json(batchBody())).slice(0, 1),
    ],
    expectFailure,
  );
});
