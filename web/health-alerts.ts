/**
 * Health notices (A24): when a machine starts failing, stalls, or stays
 * offline past the threshold while this tab is open, a notice says so on
 * whatever page is shown (and a system notification when the tab is in
 * the background and the browser allows them). Problems present when the
 * page opened are in the header's health pill already, not repeated here.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { healthProblems, type HealthProblem } from "./health.ts";
import { html } from "./html.ts";
import { Icon } from "./icons.ts";
import { liveMachines } from "./live.ts";
import { useStore } from "./store.ts";

/** Time-based problems (stalled, offline too long) are looked for this often. */
const RECHECK_MS = 30_000;

/**
 * The problems among `now` that `seen` does not hold.
 * @param seen The keys already told (or present at first).
 * @param now The problems now.
 * @returns The new ones.
 */
export function freshProblems(seen: ReadonlySet<string>, now: HealthProblem[]): HealthProblem[] {
  return now.filter((p) => !seen.has(p.key));
}

function notify(text: string): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted" || !document.hidden) return;
  try {
    new Notification("SyncAgent", { body: text });
  } catch {
    // Some browsers allow notifications only from a service worker: the notice on the page stays.
  }
}

/**
 * The notices.
 * @returns The list of notices (empty when all is well).
 */
export function HealthAlerts() {
  const machines = useStore(liveMachines);
  const seen = useRef<Set<string> | null>(null);
  const [shown, setShown] = useState<HealthProblem[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), RECHECK_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (!machines) return;
    const now = healthProblems(machines);
    if (!seen.current) {
      seen.current = new Set(now.map((p) => p.key));
      return;
    }
    const fresh = freshProblems(seen.current, now);
    // A problem that went away may be told again when it comes back.
    seen.current = new Set(now.map((p) => p.key));
    if (fresh.length === 0) return;
    for (const p of fresh) notify(p.text);
    setShown((list) => [...list.filter((p) => !fresh.some((f) => f.key === p.key)), ...fresh].slice(-3));
  }, [machines, tick]);
  if (shown.length === 0) return null;
  return html`<div class="health-alerts">${shown.map((p) => html`<div class="health-alert" role="alert" key=${p.key}>
    <${Icon} name="conflicts" /><p>${p.text}</p><a href="/machines">See machines</a>
    <button class="ghost" onClick=${() => setShown((list) => list.filter((x) => x.key !== p.key))} aria-label="Dismiss"><${Icon} name="close" /></button>
  </div>`)}</div>`;
}
