/**
 * The signed-in user: setup on first use, login, logout. The session is the
 * server's cookie; the tab keeps only who is signed in and the CSRF token.
 */
import { api, onUnauthorized, setCsrfToken } from "./api.ts";
import { store } from "./store.ts";

/** Who is signed in. */
export interface Session {
  csrfToken: string;
  vaultId: string;
  user: { id: string; username: string; isAdmin: boolean };
}

/** What the setup route says. */
export interface SetupState {
  needed: boolean;
  setupTokenRequired: boolean;
  setupTokenFile?: string;
}

/** True once this tab created the admin account: the wizard then shows its last step. */
export const wizardFinished = store(false);
/** `undefined` while loading, `null` when signed out. */
export const session = store<Session | null | undefined>(undefined);
/** Whether the server still needs its admin account (then the wizard shows). */
export const setupState = store<SetupState | undefined>(undefined);

onUnauthorized(() => {
  setCsrfToken("");
  session.set(null);
});

function signedIn(value: Session): Session {
  setCsrfToken(value.csrfToken);
  session.set(value);
  return value;
}

/**
 * Loads the setup state and the current session, if any.
 * @returns Nothing; the stores change.
 */
export async function loadSession(): Promise<void> {
  const setup = await api<SetupState>("/api/setup");
  setupState.set(setup);
  if (setup.needed) return session.set(null);
  try {
    signedIn(await api<Session>("/api/auth/session"));
  } catch {
    session.set(null);
  }
}

/**
 * Creates the admin account (the setup wizard's last step) and signs in.
 * @param username The admin's name.
 * @param password The admin's password.
 * @param setupToken The token from the server's data folder, when it asks for one.
 * @returns The session.
 */
export async function setUp(username: string, password: string, setupToken?: string): Promise<Session> {
  const created = await api<Session>("/api/setup", { method: "POST", body: { username, password, ...(setupToken ? { setupToken } : {}) } });
  wizardFinished.set(true);
  setupState.set({ needed: false, setupTokenRequired: false });
  return signedIn(created);
}

/**
 * Signs in.
 * @param username The name.
 * @param password The password.
 * @returns The session.
 * @throws ApiError (`invalid_credentials`, `too_many_attempts` with `retryAfter`, `busy`).
 */
export async function logIn(username: string, password: string): Promise<Session> {
  return signedIn(await api<Session>("/api/auth/login", { method: "POST", body: { username, password } }));
}

/**
 * Signs out: the server ends the session; the tab forgets it.
 * @returns Nothing.
 */
export async function logOut(): Promise<void> {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } finally {
    setCsrfToken("");
    session.set(null);
  }
}
