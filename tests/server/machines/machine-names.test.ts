/**
 * Machine names (S10): control characters (C0, C1, DEL), bidi
 * controls and names over 64 characters are refused (422) at registration
 * and rename; names are trimmed and stored in NFC.
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

async function registerNamed(name: string): Promise<Response> {
  const inv = await server.adminFetch("/api/invitations", { method: "POST" });
  const { code } = (await inv.json()) as { code: string };
  return server.fetch("/api/machines/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invitation: code, name, platform: "linux" }),
  });
}

function rename(name: string): Promise<Response> {
  return server.machineFetch(`/api/machines/${server.machine.machineId}`, { method: "PATCH", body: JSON.stringify({ name }) });
}

const refused = [
  "two\nlines",
  "trailing newline\n",
  "nul\u0000byte",
  "escape\u001b[31mred",
  "del\u007f",
  "c1\u0085next-line",
  "bidi\u202eevil",
  "isolate\u2066x\u2069",
  "x".repeat(65),
  "   ",
];

describe("machine names", () => {
  it("refuses control and bidi characters and names over 64 characters, at registration and rename", async () => {
    for (const name of refused) {
      expect((await registerNamed(name)).status, JSON.stringify(name)).toBe(422);
      expect((await rename(name)).status, JSON.stringify(name)).toBe(422);
    }
    const list = (await (await server.adminFetch("/api/machines")).json()) as { machines: { name: string }[] };
    expect(list.machines.map((m) => m.name)).toEqual(["laptop"]);
  });

  it("trims, stores NFC, and accepts 64 characters", async () => {
    const res = await rename("  Cafe\u0301 desk  ");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe("Caf\u00e9 desk");
    const status = (await (await server.adminFetch(`/api/machines/${server.machine.machineId}/status`)).json()) as { name: string };
    expect(status.name).toBe("Caf\u00e9 desk");
    const longest = "é".repeat(64);
    expect((await registerNamed(longest)).status).toBe(201);
  });
});
