/**
 * The application: the setup wizard on a new server, sign-in when signed
 * out, else the page the address names inside the shell. Signing out
 * locks the vault and closes the live feed.
 */
import { useEffect, useState } from "preact/hooks";
import { html } from "./html.ts";
import { startLive, stopLive } from "./live.ts";
import { navigate, usePath } from "./router.ts";
import { loadSession, session, setupState, wizardFinished } from "./session.ts";
import { Shell } from "./shell.ts";
import { useStore } from "./store.ts";
import { loadCrypto, lock } from "./vault.ts";
import { ActivityPage } from "./pages/activity.ts";
import { ConflictsPage } from "./pages/conflicts.ts";
import { FilesPage } from "./pages/files.ts";
import { InvitationsPage } from "./pages/invitations.ts";
import { LaterPage } from "./pages/later.ts";
import { LoginPage } from "./pages/login.ts";
import { MachinesPage } from "./pages/machines.ts";
import { SearchPage } from "./pages/search.ts";
import { SetupPage } from "./pages/setup.ts";
import { TrashPage } from "./pages/trash.ts";
import "./machines-data.ts";

session.subscribe((s) => {
  if (s) {
    startLive();
    setTimeout(() => void loadCrypto().catch(() => undefined), 0);
  }
  else {
    lock();
    stopLive();
  }
});

function page(path: string) {
  const [, place = "", ...rest] = path.split("/");
  switch (place) {
    case "files":
      return { title: "Files", body: html`<${FilesPage} chain=${rest.filter((id) => /^[0-9a-f]{32}$/.test(id))} />` };
    case "search":
      return { title: "Search", body: html`<${SearchPage} />` };
    case "activity":
      return { title: "Activity", body: html`<${ActivityPage} />` };
    case "machines":
      return { title: "Machines", body: html`<${MachinesPage} />` };
    case "invitations":
      return { title: "Invitations", body: html`<${InvitationsPage} />` };
    case "conflicts":
      return { title: "Conflicts", body: html`<${ConflictsPage} />` };
    case "trash":
      return { title: "Trash", body: html`<${TrashPage} />` };
    case "settings":
      return { title: "Settings", body: html`<${LaterPage} place="Settings" />` };
    default:
      return null;
  }
}

/**
 * The root component.
 * @returns The current page.
 */
export function App() {
  const path = usePath();
  const current = useStore(session);
  const setup = useStore(setupState);
  const finished = useStore(wizardFinished);
  useEffect(() => void loadSession().catch(() => session.set(null)), []);
  // Times read "12 s ago": the page is drawn again every 15 s so they stay true.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 15_000);
    return () => clearInterval(timer);
  }, []);
  const target = page(path);
  useEffect(() => {
    if (current === undefined) return;
    if (setup?.needed) return navigate("/setup", true);
    if (current === null && path !== "/login") return navigate("/login", true);
    if (!current) return;
    if (path === "/setup") return finished ? undefined : navigate("/files", true);
    if (path === "/login" || !target) navigate("/files", true);
  }, [current, setup, path, finished]);
  if (current === undefined) return html`<div class="boot" aria-busy="true"></div>`;
  if (setup?.needed || (path === "/setup" && finished)) return html`<${SetupPage} />`;
  if (current === null) return html`<${LoginPage} />`;
  if (!target) return html`<div class="boot" aria-busy="true"></div>`;
  return html`<${Shell} title=${target.title}>${target.body}<//>`;
}
