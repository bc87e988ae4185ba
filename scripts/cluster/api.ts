/**
 * The few HTTP calls the cluster checks make through the balancer: the
 * admin's setup, invitations, machine registration, a chunk and a commit,
 * each answer with the process that served it (`X-Served-By`).
 */
import { randomBytes } from "node:crypto";

/** An admin browser session. */
export interface AdminSession {
  url: string;
  cookie: string;
  csrfToken: string;
}

/** The admin every cluster uses. */
export const CLUSTER_ADMIN = { username: "admin", password: "cluster admin password 1" };

/**
 * Creates the admin (or logs in when it exists) through the balancer.
 * @param url The balancer.
 * @returns The session.
 */
export async function adminSession(url: string): Promise<AdminSession> {
  const headers = { "content-type": "application/json", origin: url };
  let res = await fetch(`${url}/api/setup`, { method: "POST", headers, body: JSON.stringify(CLUSTER_ADMIN) });
  if (res.status === 409) res = await fetch(`${url}/api/auth/login`, { method: "POST", headers, body: JSON.stringify(CLUSTER_ADMIN) });
  if (res.status !== 201 && res.status !== 200) throw new Error(`admin setup: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { url, cookie, csrfToken };
}

/**
 * Makes an invitation as the admin.
 * @param admin The session.
 * @returns Its code.
 */
export async function invite(admin: AdminSession): Promise<string> {
  const res = await fetch(`${admin.url}/api/invitations`, { method: "POST", headers: { cookie: admin.cookie, "x-csrf-token": admin.csrfToken, origin: admin.url } });
  if (res.status !== 201) throw new Error(`invitation: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { code: string }).code;
}

/** An answer and the process that gave it. */
export interface Served {
  status: number;
  servedBy: string;
  body: unknown;
}

/**
 * Redeems an invitation for a new machine.
 * @param url The balancer.
 * @param code The invitation.
 * @param name The machine's name.
 * @returns The answer.
 */
export async function register(url: string, code: string, name: string): Promise<Served> {
  const res = await fetch(`${url}/api/machines/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ invitation: code, name, platform: "linux" }),
  });
  return { status: res.status, servedBy: res.headers.get("x-served-by") ?? "?", body: await res.json().catch(() => null) };
}

/**
 * A random lowercase hex string.
 * @param bytes Its length in bytes.
 * @returns The hex.
 */
export function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/**
 * Stores one opaque chunk.
 * @param url The balancer.
 * @param token A machine token.
 * @returns The chunk id.
 */
export async function putChunk(url: string, token: string): Promise<string> {
  const id = hex(32);
  const res = await fetch(`${url}/api/chunks/${id}`, { method: "PUT", headers: { authorization: `Bearer ${token}` }, body: randomBytes(3000) });
  if (res.status !== 201) throw new Error(`chunk upload: ${res.status} ${await res.text()}`);
  return id;
}

/**
 * Commits one new file made of `chunk`.
 * @param url The balancer.
 * @param token A machine token.
 * @param chunk A stored chunk.
 * @returns Its event's seq and the process that committed it.
 */
export async function commitFile(url: string, token: string, chunk: string): Promise<{ seq: number; servedBy: string }> {
  const b64url = (n: number): string => randomBytes(n).toString("base64url");
  const item = { opId: `cluster_${hex(12)}`, nodeId: hex(16), parentId: "0".repeat(32), baseVersion: 0, kind: "file", encName: b64url(40), manifest: b64url(200), chunks: [chunk] };
  const res = await fetch(`${url}/api/commits`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ items: [item] }) });
  if (res.status !== 200) throw new Error(`commit: ${res.status} ${await res.text()}`);
  const { results } = (await res.json()) as { results: { status: string; seq: number }[] };
  const seq = results[0]?.seq;
  if (results[0]?.status !== "ok" || typeof seq !== "number") throw new Error(`commit refused: ${JSON.stringify(results)}`);
  return { seq, servedBy: res.headers.get("x-served-by") ?? "?" };
}
