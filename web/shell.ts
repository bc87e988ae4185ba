/**
 * The frame of every signed-in page: the sidebar of places (a menu on a
 * phone), the header with the vault's lock state, the health of the
 * machines and the account.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.ts";
import { summarizeHealth } from "./health.ts";
import { HealthAlerts } from "./health-alerts.ts";
import { Icon, type IconName } from "./icons.ts";
import { liveMachines, liveState } from "./live.ts";
import { followLink, usePath } from "./router.ts";
import { logOut, session } from "./session.ts";
import { useStore } from "./store.ts";
import { UnlockDialog } from "./unlock.ts";
import { lock, vaultState } from "./vault.ts";

const PLACES: { path: string; label: string; icon: IconName }[] = [
  { path: "/files", label: "Files", icon: "files" },
  { path: "/activity", label: "Activity", icon: "activity" },
  { path: "/machines", label: "Machines", icon: "machines" },
  { path: "/conflicts", label: "Conflicts", icon: "conflicts" },
  { path: "/trash", label: "Trash", icon: "trash" },
  { path: "/invitations", label: "Invitations", icon: "invitations" },
  { path: "/settings", label: "Settings", icon: "settings" },
];

/**
 * The machines' health in a few words, for the header of every page.
 * @returns The health pill.
 */
export function Health() {
  const machines = useStore(liveMachines);
  const live = useStore(liveState);
  if (live !== "open" && live !== "connecting") {
    return html`<span class="health warn" role="status" title="The live connection dropped; reconnecting"><span class="dot offline"></span><span class="health-text">Reconnecting…</span></span>`;
  }
  if (!machines) return html`<span class="health" role="status"><span class="dot"></span><span class="health-text">Connecting…</span></span>`;
  const { tone, text, detail } = summarizeHealth(machines);
  return html`<a class=${`health ${tone}`} href="/machines" role="status" title=${detail}><span class=${`dot ${tone}`}></span><span class="health-text">${text}</span></a>`;
}

function LockButton() {
  const state = useStore(vaultState);
  const [open, setOpen] = useState(false);
  if (state.state === "unlocked") {
    const fingerprint = state.fingerprint;
    return html`<button class="lock unlocked" onClick=${lock} title=${`Vault fingerprint ${fingerprint}: the one your machines show. Click to lock (the keys are forgotten in this tab)`}><${Icon} name="unlock" /><span>Unlocked</span><span class="sr-only">: lock</span></button>`;
  }
  return html`<button class="lock" onClick=${() => setOpen(true)} disabled=${state.state === "unlocking"}><${Icon} name="lock" /><span>Locked</span><span class="lock-action">Unlock</span></button>
    ${open ? html`<${UnlockDialog} onClose=${() => setOpen(false)} />` : null}`;
}

/**
 * The frame around a page.
 * @param props The page's title and content.
 * @returns The frame.
 */
export function Shell(props: { title: string; children: ComponentChildren }) {
  const path = usePath();
  const user = useStore(session)?.user;
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [path]);
  useEffect(() => {
    document.title = `${props.title} · SyncAgent`;
  }, [props.title]);
  return html`<div class=${menu ? "shell menu-open" : "shell"} onClick=${followLink}>
    <nav class="sidebar" aria-label="Places" id="places">
      <a class="brand" href="/files"><img src=${document.querySelector<HTMLLinkElement>("link[rel=icon]")?.href ?? ""} alt="" width="24" height="24" /><span>SyncAgent</span></a>
      <ul>
        ${PLACES.map((p) => html`<li><a href=${p.path} aria-current=${path === p.path || path.startsWith(p.path + "/") ? "page" : undefined}><${Icon} name=${p.icon} /><span>${p.label}</span></a></li>`)}
      </ul>
      <div class="sidebar-foot">
        ${user ? html`<p class="account" title=${user.username}><span class="avatar" aria-hidden="true">${user.username.slice(0, 1).toUpperCase()}</span><span class="truncate">${user.username}</span></p>` : null}
        <button class="ghost" onClick=${() => void logOut()}><${Icon} name="logout" /><span>Sign out</span></button>
      </div>
    </nav>
    <div class="scrim" onClick=${() => setMenu(false)}></div>
    <div class="main">
      <header class="topbar">
        <button class="ghost menu-button" aria-controls="places" aria-expanded=${menu} onClick=${(e: Event) => { e.stopPropagation(); setMenu(!menu); }}>
          <${Icon} name=${menu ? "close" : "menu"} /><span class="sr-only">Menu</span>
        </button>
        <h1 class="page-title">${props.title}</h1>
        <div class="topbar-end"><${Health} /><${LockButton} /></div>
      </header>
      <${HealthAlerts} />
      <main class="content">${props.children}</main>
    </div>
  </div>`;
}
