/** Inline SVG icons (24×24, stroked, one style), never an icon font. */
import { html } from "./html.ts";

const PATHS: Record<string, string> = {
  files: "M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z",
  folder: "M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z",
  file: "M7 3h7l5 5v11a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zM14 3v5h5",
  activity: "M3 12h4l3-8 4 16 3-8h4",
  machines: "M4 5h16v10H4zM8 19h8M12 15v4",
  conflicts: "M12 3 2 20h20zM12 10v4M12 17h.01",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
  invitations: "M4 6h16v12H4zM4 7l8 6 8-6",
  settings: "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM19 12l2-1-1-3-2 .3-1.3-1.3.3-2-3-1-1 2h-2l-1-2-3 1 .3 2L6 7.3 4 7 3 10l2 1v2l-2 1 1 3 2-.3 1.3 1.3-.3 2 3 1 1-2h2l1 2 3-1-.3-2 1.3-1.3 2 .3 1-3-2-1z",
  lock: "M6 11h12v9H6zM8 11V8a4 4 0 0 1 8 0v3",
  unlock: "M6 11h12v9H6zM8 11V8a4 4 0 0 1 7.5-2",
  menu: "M4 7h16M4 12h16M4 17h16",
  close: "M6 6l12 12M18 6 6 18",
  search: "M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM20 20l-4-4",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  check: "M5 12l5 5 9-10",
  plus: "M12 5v14M5 12h14",
  chevron: "M9 6l6 6-6 6",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  edit: "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
  up: "M12 19V5M6 11l6-6 6 6",
  down: "M12 5v14M6 13l6 6 6-6",
  restore: "M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4",
  history: "M12 7v5l3 2M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4",
  open: "M14 4h6v6M20 4l-9 9M18 14v6H4V6h6",
  pause: "M8 5v14M16 5v14",
  play: "M7 5l12 7-12 7z",
  sync: "M20 11a8 8 0 0 0-14-4.5L4 9M4 4v5h5M4 13a8 8 0 0 0 14 4.5l2-2.5M20 20v-5h-5",
};

/** An icon's name. */
export type IconName = keyof typeof PATHS;

/**
 * An icon, hidden from screen readers (the text beside it says what it is).
 * @param props The icon's name and an optional size in pixels.
 * @returns The SVG element.
 */
export function Icon(props: { name: IconName; size?: number }) {
  const size = props.size ?? 18;
  return html`<svg class="icon" width=${size} height=${size} viewBox="0 0 24 24" aria-hidden="true" focusable="false"
    fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d=${PATHS[props.name]} /></svg>`;
}
