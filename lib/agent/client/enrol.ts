/**
 * Enrolment calls of the server API (docs/api.md "Machines" and "Wrapped
 * master key"): registering a machine with an invitation, and reading and
 * writing the vault's key file. The key file travels as standard base64;
 * the server stores it as given and cannot tell a genuine one from a forged
 * one, so every caller verifies what `getKeyFile` returns.
 */
import { Buffer } from "node:buffer";
import { NetworkError, requestJson, ServerError, type HttpTarget } from "./http.ts";

/** What `POST /api/machines/register` sends. */
export interface RegistrationRequest {
  /** The invitation code (`sai_…`): a secret, never logged. */
  invitation: string;
  /** Machine name, 1–64 characters. */
  name: string;
  /** `process.platform`. */
  platform: string;
  /** Random id of this registration (16–64 of `[A-Za-z0-9_-]`), the same on every retry. */
  opId: string;
}

/** The server's answer to a registration. */
export interface Registration {
  machineId: string;
  /** The machine's bearer token (`sam_…`), shown once: store it and never print it. */
  token: string;
  accountId: string;
  vaultId: string;
}

/** Options of `registerMachine`. */
export interface RegisterOptions {
  /** Waits between attempts after a network error or a 5xx, ms. @default [1000, 2000, 4000] */
  retryDelaysMs?: readonly number[];
  /** fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Waits `ms` (tests pass one that records). @default a timer */
  sleep?: (ms: number) => Promise<void>;
}

/** A key file as the server holds it. */
export interface ServedKeyFile {
  /** The key file bytes (untrusted until opened). */
  blob: Uint8Array<ArrayBuffer>;
  /** The server's version of it: what a replacing PUT names. */
  version: number;
}

/** One stored revision of the key file. */
export interface KeyFileVersion {
  revision: number;
  writtenAt: number;
  /** `machine:<id>` or `user:<id>`. */
  writtenBy: string;
}

/** A PUT of the key file lost a race: another writer replaced it first. */
export class KeyFileConflictError extends Error {
  override name = "KeyFileConflictError";
  /**
   * @param current The server's version now.
   */
  constructor(readonly current: number) {
    super(`The key file on the server changed meanwhile (it is now version ${current})`);
  }
}

/**
 * The server's error code of a failed call. The server answers
 * `{ error: { code, message } }`; a flat `{ error: "code" }` is read too.
 * @param error A ServerError.
 * @returns The code, such as `invitation_used`.
 */
export function serverErrorCode(error: ServerError): string {
  const inner = error.body.error;
  if (inner !== null && typeof inner === "object" && typeof (inner as Record<string, unknown>).code === "string") {
    return (inner as { code: string }).code;
  }
  return error.code;
}

/**
 * The readable message of a failed call.
 * @param error A ServerError.
 * @returns The server's own message when it gave one.
 */
export function serverErrorMessage(error: ServerError): string {
  const inner = error.body.error;
  if (inner !== null && typeof inner === "object" && typeof (inner as Record<string, unknown>).message === "string") {
    return (inner as { message: string }).message;
  }
  return error.message;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function isRetryable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ServerError && error.status >= 500);
}

function checkRegistration(data: unknown): Registration {
  const r = data as Partial<Registration> | null;
  if (!r || typeof r.machineId !== "string" || typeof r.token !== "string" || typeof r.accountId !== "string" || typeof r.vaultId !== "string") {
    throw new NetworkError("The server's answer to the registration is incomplete");
  }
  return { machineId: r.machineId, token: r.token, accountId: r.accountId, vaultId: r.vaultId };
}

/**
 * Registers this machine with an invitation (A1). Retry-safe: a network
 * error or a 5xx is retried with the same opId, and a lost answer is
 * answered again by the server (with a new token) for that opId.
 * @param serverUrl Server base URL, without a trailing slash.
 * @param registration Invitation, name, platform and opId.
 * @param options Retry waits and fetch.
 * @returns The machine id, token, account and vault.
 * @throws ServerError (`invitation_unknown`, `invitation_used`, `invitation_expired`…); NetworkError after the last retry.
 */
export async function registerMachine(serverUrl: string, registration: RegistrationRequest, options: RegisterOptions = {}): Promise<Registration> {
  const delays = options.retryDelaysMs ?? [1000, 2000, 4000];
  const target: HttpTarget = options.fetch ? { serverUrl, fetch: options.fetch } : { serverUrl };
  for (let attempt = 0; ; attempt++) {
    try {
      const { data } = await requestJson<unknown>(target, "/api/machines/register", { method: "POST", json: registration });
      return checkRegistration(data);
    } catch (error) {
      const delay = delays[attempt];
      if (!isRetryable(error) || delay === undefined) throw error;
      await (options.sleep ?? sleepFor)(delay);
    }
  }
}

function decodeBlob(text: unknown): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new NetworkError("The server sent a key file that is not base64");
  return new Uint8Array(Buffer.from(text, "base64"));
}

/**
 * Reads the vault's key file (`GET /api/vault/key`).
 * @param target Server and machine token.
 * @returns The key file and its server version, or null when none was uploaded yet.
 */
export async function getKeyFile(target: HttpTarget): Promise<ServedKeyFile | null> {
  const { status, data } = await requestJson<{ blob?: unknown; version?: unknown } | null>(target, "/api/vault/key", { accept: [404] });
  if (status === 404) return null;
  if (!data || typeof data.version !== "number" || !Number.isSafeInteger(data.version)) throw new NetworkError("The server's key file answer has no version");
  return { blob: decodeBlob(data.blob), version: data.version };
}

/**
 * Uploads a key file (`PUT /api/vault/key`), replacing the given version.
 * @param target Server and machine token.
 * @param blob The key file bytes.
 * @param replacesVersion The server version it replaces, 0 for the first.
 * @returns The new server version.
 * @throws KeyFileConflictError when another writer replaced it first.
 */
export async function putKeyFile(target: HttpTarget, blob: Uint8Array, replacesVersion: number): Promise<number> {
  try {
    const { data } = await requestJson<{ version?: unknown }>(target, "/api/vault/key", {
      method: "PUT",
      json: { blob: Buffer.from(blob).toString("base64"), version: replacesVersion },
    });
    if (typeof data?.version !== "number") throw new NetworkError("The server's answer to the key file upload has no version");
    return data.version;
  } catch (error) {
    if (error instanceof ServerError && error.status === 409 && serverErrorCode(error) === "version_conflict") {
      const inner = error.body.error as Record<string, unknown> | undefined;
      const current = typeof inner?.current === "number" ? inner.current : typeof error.body.current === "number" ? error.body.current : -1;
      throw new KeyFileConflictError(current);
    }
    throw error;
  }
}

/**
 * Lists every key file the vault has had (`GET /api/vault/key-file/versions`).
 * @param target Server and machine token.
 * @returns The revisions, newest first.
 */
export async function listKeyFileVersions(target: HttpTarget): Promise<KeyFileVersion[]> {
  const { data } = await requestJson<{ versions?: KeyFileVersion[] }>(target, "/api/vault/key-file/versions");
  return data?.versions ?? [];
}

/**
 * Reads one stored revision of the key file (`GET /api/vault/key-file/versions/:revision`).
 * @param target Server and machine token.
 * @param revision The revision.
 * @returns The key file bytes, or null when there is no such revision.
 */
export async function getKeyFileVersion(target: HttpTarget, revision: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const { status, data } = await requestJson<{ blob?: unknown } | null>(target, `/api/vault/key-file/versions/${revision}`, { accept: [404] });
  if (status === 404) return null;
  return decodeBlob(data?.blob);
}
