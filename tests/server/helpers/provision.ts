/**
 * Gives a data dir an admin and a registered machine the way an operator
 * does: `syncagent server setup-admin`, `syncagent server invite`, then
 * registration over HTTP.
 */
import { runCli } from "./spawn.ts";

/**
 * Creates the admin and an invitation in `dataDir` (server may be stopped).
 * @param dataDir The server's data dir.
 * @returns The invitation code.
 */
export async function createInvitationCode(dataDir: string): Promise<string> {
  const env = { SYNCAGENT_DATA_DIR: dataDir, SYNCAGENT_ADMIN_PASSWORD: "correct horse battery staple" };
  const admin = await runCli(["server", "setup-admin"], env);
  if (admin.code !== 0) throw new Error(`setup-admin failed: ${admin.stderr}`);
  const invite = await runCli(["server", "invite"], env);
  if (invite.code !== 0) throw new Error(`invite failed: ${invite.stderr}`);
  return invite.stdout.trim();
}

/**
 * Registers a machine with an invitation.
 * @param url The server's base URL.
 * @param invitation The code.
 * @returns The machine id and bearer token.
 */
export async function registerMachine(url: string, invitation: string): Promise<{ machineId: string; token: string }> {
  const res = await fetch(`${url}/api/machines/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invitation, name: "crash-test", platform: "linux" }),
  });
  if (res.status !== 201) throw new Error(`Registration failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { machineId: string; token: string };
}
