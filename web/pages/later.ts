/** Places whose pages come in a later version: said plainly, with where to act meanwhile. */
import { html } from "../html.ts";
import { EmptyState } from "./states.ts";

const LATER: Record<string, { detail: string }> = {
  Settings: { detail: "Account and vault settings come here in a coming version." },
};

/**
 * A place not built yet.
 * @param props The place's name.
 * @returns The page.
 */
export function LaterPage(props: { place: string }) {
  const later = LATER[props.place] ?? { detail: "This page comes in a later version." };
  return html`<section class="page"><${EmptyState} title="Coming in a later version" detail=${later.detail} /></section>`;
}
