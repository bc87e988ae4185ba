/**
 * The key file's history (DESIGN §2 rule 1): a machine token can
 * replace the vault's key file, so every revision is kept with who wrote
 * it and can be read back; a writer must name the revision it replaces
 * (409 on a stale one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const blob = (fill: number): string => Buffer.alloc(96, fill).toString("base64");

function put(fetcher: "machine" | "admin", body: unknown): Promise<Response> {
  const init = { method: "PUT", body: JSON.stringify(body) };
  return fetcher === "machine" ? server.machineFetch("/api/vault/key", init) : server.adminFetch("/api/vault/key", init);
}

describe("key file versions", () => {
  it("keeps every revision with its writer, lists them newest first and reads each back", async () => {
    expect((await put("admin", { blob: blob(1), version: 0 })).status).toBe(200);
    expect((await put("machine", { blob: blob(2), version: 1 })).status).toBe(200);
    // A writer that names a revision already replaced is refused, whoever it is.
    const stale = await put("machine", { blob: blob(9), version: 1 });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { current: number } }).error.current).toBe(2);
    const current = (await (await server.machineFetch("/api/vault/key")).json()) as { version: number; updatedBy: string };
    expect(current).toMatchObject({ version: 2, updatedBy: `machine:${server.machine.machineId}` });

    const res = await server.adminFetch("/api/vault/key-file/versions");
    expect(res.status).toBe(200);
    const { versions } = (await res.json()) as { versions: { revision: number; writtenAt: number; writtenBy: string }[] };
    expect(versions.map((v) => [v.revision, v.writtenBy])).toEqual([
      [2, `machine:${server.machine.machineId}`],
      [1, `user:${server.admin.userId}`],
    ]);
    expect(JSON.stringify(versions)).not.toContain(blob(1));

    const first = await server.machineFetch("/api/vault/key-file/versions/1");
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(await first.json()).toMatchObject({ revision: 1, blob: blob(1), writtenBy: `user:${server.admin.userId}` });
  });

  it("restores an earlier revision by writing it again as the next one", async () => {
    const old = (await (await server.adminFetch("/api/vault/key-file/versions/1")).json()) as { blob: string };
    expect((await put("admin", { blob: old.blob, version: 2 })).status).toBe(200);
    const now = (await (await server.adminFetch("/api/vault/key")).json()) as { blob: string; version: number };
    expect(now).toMatchObject({ blob: blob(1), version: 3 });
  });

  it("answers 404 for an unknown revision, 422 for a malformed one, 401 without credentials", async () => {
    expect((await server.adminFetch("/api/vault/key-file/versions/99")).status).toBe(404);
    expect((await server.adminFetch("/api/vault/key-file/versions/one")).status).toBe(422);
    expect((await server.adminFetch("/api/vault/key-file/versions/0")).status).toBe(422);
    expect((await server.fetch("/api/vault/key-file/versions")).status).toBe(401);
    expect((await server.fetch("/api/vault/key-file/versions/1")).status).toBe(401);
  });
});
