/**
 * What `syncagent up` prints (A1, C4): the recovery key once, where things
 * are, how a second machine joins, and how to finish a setup it could not
 * do alone. Pure text: no secret but the recovery key, and that one only in
 * {@link recoveryKeyText}.
 */
import { PASSWORD_ENV } from "../keys/open-vault.ts";

/** The variable `up` reads the dashboard admin's password from. */
export const ADMIN_PASSWORD_VARIABLE = "SYNCAGENT_ADMIN_PASSWORD";

/**
 * The recovery key block, printed once when the vault's keys are created.
 * @param recoveryKey The printable recovery key.
 * @param fingerprintText The vault fingerprint for people.
 * @returns The lines.
 */
export function recoveryKeyText(recoveryKey: string, fingerprintText: string): string {
  return (
    "Vault keys created.\n\n" +
    "Recovery key (shown only this once: write it down and keep it somewhere safe and offline;\n" +
    "with it, and only with it, a lost master password can be reset: 'syncagent recover'):\n\n" +
    `    ${recoveryKey}\n\n` +
    `Vault fingerprint: ${fingerprintText}\n` +
    "(every other machine shows this fingerprint on its first unlock: compare them)\n\n"
  );
}

/** Where a running `up` keeps things. */
export interface RunningFacts {
  dashboard: string;
  /** The admin's login name, shown on the run that created it. */
  adminUser?: string;
  syncFolder: string;
  home: string;
  dataDir: string;
  serverLog: string;
}

/**
 * The summary printed once the server and the agent run.
 * @param facts URLs and folders.
 * @returns The lines.
 */
export function runningText(facts: RunningFacts): string {
  const login = facts.adminUser ? ` (log in as '${facts.adminUser}' with the admin password)` : "";
  return (
    "SyncAgent is up: the server and this machine's agent run in this process.\n" +
    `  Dashboard:     ${facts.dashboard}${login}\n` +
    `  Synced folder: ${facts.syncFolder}\n` +
    `  Agent home:    ${facts.home} (state: syncagent status --home ${facts.home})\n` +
    `  Server data:   ${facts.dataDir} (log: ${facts.serverLog})\n`
  );
}

/**
 * How a second machine joins with a fresh invitation.
 * @param joinUrl The server URL other machines use.
 * @param code The invitation code (single use).
 * @param expiresAt When it expires, ms.
 * @param note Why other machines cannot reach the server yet, if so.
 * @returns The lines.
 */
export function joinText(joinUrl: string, code: string, expiresAt: number, note?: string): string {
  return (
    `\nTo add another machine, run there (single-use invitation, valid until ${new Date(expiresAt).toISOString()}):\n\n` +
    `    syncagent register --server ${joinUrl} --invite ${code}\n\n` +
    "It asks for the master password and shows the vault fingerprint to compare with the one above.\n" +
    (note ? `${note}\n` : "")
  );
}

/**
 * How to add a machine later, on a run that creates no invitation.
 * @param joinUrl The server URL other machines use.
 * @param dataDir The server's data folder (for `server invite`).
 * @param note Why other machines cannot reach the server yet, if so.
 * @returns The lines.
 */
export function joinLaterText(joinUrl: string, dataDir: string, note?: string): string {
  return (
    "\nTo add another machine: make an invitation in the dashboard (Machines) or with\n" +
    `'syncagent server invite --data-dir ${dataDir}', then run there:\n` +
    `    syncagent register --server ${joinUrl} --invite <code>\n` +
    (note ? `${note}\n` : "")
  );
}

/** What a server started alone is missing. */
export interface AloneFacts {
  dashboard: string;
  /** No admin account yet. */
  needAdmin: boolean;
  /** The variables that were needed and not set. */
  missing: string[];
  /** The file holding the setup token the wizard asks for (a server listening beyond loopback). */
  setupTokenFile?: string;
}

/**
 * The message of a server started alone: no terminal to ask on, and the
 * passwords not in the environment.
 * @param facts The dashboard and what is missing.
 * @returns The lines.
 */
export function serverAloneText(facts: AloneFacts): string {
  const token = facts.setupTokenFile ? ` (it asks for the setup token in ${facts.setupTokenFile})` : "";
  const lines = [
    `SyncAgent server listening; dashboard: ${facts.dashboard}`,
    "This machine is not set up yet, so no agent runs: there is no terminal to ask the passwords on,",
    `and ${facts.missing.join(" and ")} ${facts.missing.length > 1 ? "are" : "is"} not set.`,
    "To finish, either:",
  ];
  if (facts.needAdmin) {
    lines.push(
      `  - open the dashboard and create the admin account${token}; then stop this (Ctrl-C) and run`,
      `    'syncagent up' again from a terminal, or with ${PASSWORD_ENV} (the new vault's master password) set; or`,
      `  - stop this and run 'syncagent up' with ${ADMIN_PASSWORD_VARIABLE} (the dashboard admin's password)`,
      `    and ${PASSWORD_ENV} (the vault's master password, 12 characters or more) set.`,
    );
  } else {
    lines.push(
      "  - stop this (Ctrl-C) and run 'syncagent up' again from a terminal; or",
      `  - run it with ${PASSWORD_ENV} set (the vault's master password: a new one, 12 characters or more, for a new vault).`,
    );
  }
  return lines.join("\n") + "\n";
}
