/**
 * Run under Bun by bun-server.ts: starts a test server (tests/helpers/server.ts)
 * with the options given as JSON in argv[2], prints what the parent needs
 * as one JSON line, and closes the server on SIGTERM.
 */
import process from "node:process";
import { startTestServer, type TestServerOptions } from "../../helpers/server.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as TestServerOptions;
const server = await startTestServer(options);
const { url, port, origin, dataDir, logFile, admin, machine } = server;
process.stdout.write(`${JSON.stringify({ url, port, origin, dataDir, logFile, admin, machine, transport: server.running.transport })}\n`);
process.once("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
