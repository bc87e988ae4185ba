/**
 * Stopping the server closes its WebSockets instead of waiting for agents
 * to leave (Node's server.close() would wait for them forever).
 */
import { describe, expect, it } from "vitest";
import { startTestServer } from "../../helpers/server.ts";
import { browserHeaders, closedWithin, connect, machineHeaders } from "./client.ts";

describe("server shutdown", () => {
  it("closes open agent and dashboard sockets with 1001 and finishes closing", async () => {
    const server = await startTestServer();
    const agent = await connect(server, "/ws/changes", { headers: machineHeaders(server.machine.token) });
    const dashboard = await connect(server, "/ws/dashboard", { headers: browserHeaders(server) });
    await agent.waitFor((m) => m.type === "hello");
    const closing = server.close();
    expect((await closedWithin(agent, 3000)).code).toBe(1001);
    expect((await closedWithin(dashboard, 3000)).code).toBe(1001);
    await Promise.race([closing, new Promise((_, reject) => setTimeout(() => reject(new Error("server.close() did not finish")), 5000))]);
  });
});
