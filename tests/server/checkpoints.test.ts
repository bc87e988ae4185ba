// Tree checkpoint routes (C6): each machine's newest sealed checkpoint is
// stored as sent, its number only goes up, and any member reads them back.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CHECKPOINT_BYTES } from "../../lib/server/checkpoints/store.ts";
import { startTestServer, type TestMachine, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let second: TestMachine;

beforeAll(async () => {
  server = await startTestServer();
  second = await server.registerMachine("second");
});
afterAll(async () => server.close());

const body = (n: number, fill: number): Uint8Array<ArrayBuffer> => new Uint8Array(n).fill(fill);
const put = (number: string | number, bytes: Uint8Array<ArrayBuffer>, token?: string): Promise<Response> =>
  server.machineFetch(`/api/checkpoints/${number}`, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } }, token);

/** A PUT announcing more than the limit: refused before any byte is read. */
function announcedTooLarge(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/api/checkpoints/10`, {
      method: "PUT",
      agent: false,
      headers: { authorization: `Bearer ${server.machine.token}`, "content-type": "application/octet-stream", "content-length": String(MAX_CHECKPOINT_BYTES + 1) },
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", reject);
    req.write(new Uint8Array(16));
  });
}

describe("checkpoint routes", () => {
  it("store a machine's checkpoint, list it and give its bytes back", async () => {
    expect((await put(1, body(300, 7))).status).toBe(201);
    expect((await put(1, body(200, 9), second.token)).status).toBe(201);
    const listed = (await (await server.machineFetch("/api/checkpoints")).json()) as { checkpoints: { machineId: string; number: number; size: number }[] };
    expect(listed.checkpoints.map((c) => [c.machineId, c.number, c.size]).sort()).toEqual(
      [[server.machine.machineId, 1, 300], [second.machineId, 1, 200]].sort(),
    );
    const read = await server.machineFetch(`/api/checkpoints/${server.machine.machineId}`, {}, second.token);
    expect(read.status).toBe(200);
    expect(read.headers.get("x-checkpoint-number")).toBe("1");
    expect(new Uint8Array(await read.arrayBuffer())).toEqual(body(300, 7));
  });

  it("replace it only with a higher number", async () => {
    const stale = await put(1, body(300, 8));
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string; current: number } }).error).toMatchObject({ code: "stale_checkpoint", current: 1 });
    expect((await put(3, body(400, 3))).status).toBe(201);
    const read = await server.machineFetch(`/api/checkpoints/${server.machine.machineId}`);
    expect([read.headers.get("x-checkpoint-number"), (await read.arrayBuffer()).byteLength]).toEqual(["3", 400]);
    expect((await put(2, body(300, 2))).status).toBe(409);
  });

  it("refuse malformed numbers and bodies, and a browser session's upload", async () => {
    for (const bad of ["0", "-1", "x", "01", "1e3", "9".repeat(16)]) expect((await put(bad, body(300, 1))).status, bad).toBe(422);
    expect((await put(10, body(20, 1))).status).toBe(400);
    expect(await announcedTooLarge()).toBe(413);
    const asAdmin = await server.adminFetch("/api/checkpoints/10", { method: "PUT", body: body(300, 1), headers: { "content-type": "application/octet-stream" } });
    expect(asAdmin.status).toBe(403);
    expect((await server.adminFetch("/api/checkpoints")).status).toBe(200);
    expect((await server.fetch("/api/checkpoints")).status).toBe(401);
  });

  it("answer 404 for a machine that published none, and 422 for a malformed id", async () => {
    expect((await server.machineFetch(`/api/checkpoints/${"e".repeat(32)}`)).status).toBe(404);
    expect((await server.machineFetch("/api/checkpoints/nothex")).status).toBe(422);
  });
});
