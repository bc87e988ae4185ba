/**
 * The vault in this tab: the master password opens the key file here
 * (Argon2id, the MAC checked, the keys unwrapped: lib/crypto), and names and
 * manifests are decrypted here. Neither the password nor a key leaves the
 * tab; both are forgotten on lock, on logout and when the tab closes.
 */
import type * as CryptoModule from "../lib/crypto/mod.ts";
import type { HistoryGuard, NodeManifest, NodeRecord, OpenedNode, UnlockedVault } from "../lib/crypto/mod.ts";
import { ROOT_NODE_ID } from "../lib/crypto/node-id.ts";
import { api, ApiError } from "./api.ts";
import { store } from "./store.ts";

/** The vault's cryptography, loaded apart from the first page (it is only needed to unlock). */
type Crypto = typeof CryptoModule;
let cryptoModule: Promise<Crypto> | undefined;

/**
 * Loads the cryptography (once); called after sign-in so unlocking does not wait for it.
 * @returns The module.
 */
export function loadCrypto(): Promise<Crypto> {
  cryptoModule ??= import("../lib/crypto/mod.ts");
  cryptoModule.catch(() => (cryptoModule = undefined));
  return cryptoModule;
}

/** The vault's state in this tab. */
export type VaultState =
  | { state: "locked" }
  | { state: "unlocking" }
  | { state: "unlocked"; vault: UnlockedVault; history: HistoryGuard; /** The vault fingerprint as machines print it. */ fingerprint: string };

/** The vault's state. */
export const vaultState = store<VaultState>({ state: "locked" });

/**
 * Whether this page may unlock: WebCrypto exists only in a secure context
 * (HTTPS, or http on localhost / 127.0.0.1).
 * @returns True when the browser gives this page WebCrypto.
 */
export function canUnlock(): boolean {
  return globalThis.isSecureContext && typeof globalThis.crypto?.subtle?.importKey === "function";
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * Opens the vault with the master password.
 * @param password The master password (kept nowhere).
 * @param vaultId The session's vault.
 * @returns Nothing; `vaultState` becomes unlocked.
 * @throws Error with a message for a person (wrong password, no key file yet, a key file that does not verify).
 */
export async function unlock(password: string, vaultId: string): Promise<void> {
  vaultState.set({ state: "unlocking" });
  try {
    let blob: string;
    try {
      blob = (await api<{ blob: string }>("/api/vault/key")).blob;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw new Error("This vault has no key yet: run `syncagent init` on your first machine, then unlock here");
      throw error;
    }
    const crypto = await loadCrypto();
    const vault = await crypto.openWithPassword(fromBase64(blob), password, { vaultId, firstOpen: true });
    vaultState.set({ state: "unlocked", vault, history: new crypto.HistoryGuard(), fingerprint: crypto.formatFingerprint(vault.fingerprint) });
  } catch (error) {
    vaultState.set({ state: "locked" });
    if (cryptoModule && error instanceof (await cryptoModule).WrongPasswordError) throw new Error("Wrong master password");
    throw error;
  }
}

/** Forgets the keys. */
export function lock(): void {
  vaultState.set({ state: "locked" });
}

/** One entry of a folder as the server lists it. */
export interface TreeItem {
  nodeId: string;
  encName: string;
  kind: "file" | "dir";
  version: number;
  manifest: string;
  size: number;
  updatedAt: number;
}

/** A folder entry, with its name and manifest when the vault is unlocked. */
export interface Entry {
  nodeId: string;
  parentId: string;
  kind: "file" | "dir";
  version: number;
  /** From the server (not authenticated) while locked; from the manifest once unlocked. */
  size: number;
  /** The modification time (manifest) or the server's last change (locked). */
  modifiedAt: number;
  /** The decrypted name; null while locked, or when the record does not verify. */
  name: string | null;
  manifest: NodeManifest | null;
  /** True when the record failed to verify: shown, never trusted. */
  damaged: boolean;
}

/** A version as `GET /api/files/:nodeId/versions` lists it. */
interface VersionItem {
  version: number;
  parentId: string;
  encName: string;
  manifest: string;
}

/**
 * Opens a record and records it in the tab's history guard; when versions
 * were skipped since the one seen (edited twice between two listings), the
 * versions in between are fetched and checked as a chain.
 */
async function openChecked(vault: UnlockedVault, history: HistoryGuard, record: NodeRecord): Promise<OpenedNode> {
  const { HistoryGapError, openNodeRecord } = await loadCrypto();
  try {
    const opened = await openNodeRecord(vault.keyring, record, history);
    history.accept(opened);
    return opened;
  } catch (error) {
    if (!(error instanceof HistoryGapError)) throw error;
    const seen = history.seen(record.nodeId)?.version ?? 0;
    const page = await api<{ versions: VersionItem[] }>(`/api/files/${record.nodeId}/versions?before=${record.version + 1}&limit=${Math.min(1000, record.version - seen)}`);
    const chain = await Promise.all(
      page.versions
        .filter((v) => v.version > seen && v.version <= record.version)
        .reverse()
        .map((v) => openNodeRecord(vault.keyring, { nodeId: record.nodeId, parentId: v.parentId, encName: v.encName, version: v.version, manifest: v.manifest }, null)),
    );
    history.acceptChain(chain);
    const head = chain.at(-1);
    if (!head || head.version !== record.version || head.parentId !== record.parentId) throw error;
    return head;
  }
}

/**
 * Lists a folder, decrypting each entry when the vault is unlocked.
 * @param parentId The folder's node id (`ROOT_NODE_ID` for the top).
 * @returns The entries.
 */
export async function listFolder(parentId: string = ROOT_NODE_ID): Promise<Entry[]> {
  const items: TreeItem[] = [];
  let after = "";
  for (;;) {
    const page = await api<{ items: TreeItem[]; nextAfter: string | null }>(`/api/tree?parentId=${parentId}&after=${after}&limit=5000`);
    items.push(...page.items);
    if (!page.nextAfter) break;
    after = page.nextAfter;
  }
  const state = vaultState.get();
  return Promise.all(
    items.map(async (item): Promise<Entry> => {
      const base = { nodeId: item.nodeId, parentId, kind: item.kind, version: item.version, size: item.size, modifiedAt: item.updatedAt, name: null, manifest: null, damaged: false };
      if (state.state !== "unlocked") return base;
      try {
        const opened = await openChecked(state.vault, state.history, { nodeId: item.nodeId, parentId, encName: item.encName, version: item.version, manifest: item.manifest });
        return { ...base, name: opened.name, manifest: opened.manifest, size: opened.manifest.size, modifiedAt: opened.manifest.mtimeMs || item.updatedAt };
      } catch {
        return { ...base, damaged: true };
      }
    }),
  );
}
