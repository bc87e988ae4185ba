import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../helpers/server.ts";

describe("test server helper (S3)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("creates the admin, a session and a registered machine", async () => {
    expect(server.admin.cookie).toMatch(/^syncagent_session=/);
    expect(server.admin.csrfToken.length).toBeGreaterThan(20);
    expect(server.machine.token).toMatch(/^sam_/);
    const session = await server.adminFetch("/api/auth/session");
    expect(session.status).toBe(200);
    const machines = await server.adminFetch("/api/machines");
    expect(machines.status).toBe(200);
    const body = (await machines.json()) as { machines: { id: string }[] };
    expect(body.machines.map((m) => m.id)).toEqual([server.machine.machineId]);
  });
});
