/**
 * The one place that turns a thrown value into a JSON answer
 * (lib/server/http/errors.ts): known errors keep their status and code, a
 * 4xx from a library keeps its status, anything else is a 500 that leaks no
 * internals and is logged with the request id (S1, S9).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createErrorHandler, HttpError } from "../../lib/server/http/errors.ts";
import { createLogger } from "../../lib/server/logger.ts";
import { waitFor } from "../helpers/wait.ts";

let dir: string;
let logFile: string;
let logger: ReturnType<typeof createLogger>;
let app: Hono;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "syncagent-errors-"));
  logFile = join(dir, "server.log");
  logger = createLogger({ file: logFile, level: "info", stdout: false });
  app = new Hono();
  app.use("/with-id/*", async (c, next) => {
    c.set("requestId" as never, "req-42" as never);
    await next();
  });
  app.get("/known", () => {
    throw new HttpError(409, "conflict", "The head moved", { current: 7 });
  });
  app.get("/library-4xx", () => {
    throw Object.assign(new Error("Payload Too Large"), { status: 413 });
  });
  app.get("/with-id/crash", () => {
    throw new Error("secret internal detail /var/lib/db");
  });
  app.get("/crash", () => {
    throw new Error("another internal detail");
  });
  app.get("/status-500", () => {
    throw Object.assign(new Error("upstream said 500"), { status: 500 });
  });
  app.onError(createErrorHandler(logger));
});
afterAll(async () => {
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function answer(path: string): Promise<{ status: number; body: unknown }> {
  const res = await app.request(path);
  return { status: res.status, body: await res.json() };
}

describe("createErrorHandler", () => {
  it("answers an HttpError with its status, code, message and details", async () => {
    expect(await answer("/known")).toEqual({ status: 409, body: { error: { code: "conflict", message: "The head moved", current: 7 } } });
  });

  it("keeps a library's 4xx status as bad_request", async () => {
    expect(await answer("/library-4xx")).toEqual({ status: 413, body: { error: { code: "bad_request", message: "Payload Too Large" } } });
  });

  it("answers anything else with a bare 500, logging the error and the request id", async () => {
    const withId = await answer("/with-id/crash");
    expect(withId).toEqual({ status: 500, body: { error: { code: "internal", message: "Internal server error", requestId: "req-42" } } });
    expect(JSON.stringify(withId.body)).not.toContain("secret");
    expect(await answer("/crash")).toEqual({ status: 500, body: { error: { code: "internal", message: "Internal server error" } } });
    expect((await answer("/status-500")).status).toBe(500);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    const lines = await waitFor("the logged errors", async () => {
      const text = await readFile(logFile, "utf8").catch(() => "");
      const found = text.split("\n").filter((l) => l.includes("unhandled error"));
      return found.length >= 3 ? found : undefined;
    });
    expect(lines[0]).toContain('"requestId":"req-42"');
    expect(lines[0]).toContain("secret internal detail");
  });
});
