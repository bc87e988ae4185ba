/** Client routing: the path in the address bar is the page shown. */
import { store, useStore } from "./store.ts";

const current = store(location.pathname);
addEventListener("popstate", () => current.set(location.pathname));

/**
 * Goes to a page of the dashboard.
 * @param path The path (`/machines`).
 * @param replace Replace the history entry instead of adding one.
 */
export function navigate(path: string, replace = false): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  current.set(path);
}

/**
 * The current path, re-rendering on navigation.
 * @returns The path.
 */
export function usePath(): string {
  return useStore(current);
}

/**
 * A click handler for links inside the dashboard: navigates without a page
 * load (a click with a modifier key still opens a new tab).
 * @param event The click.
 */
export function followLink(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || anchor.target) return;
  event.preventDefault();
  navigate(url.pathname);
}
