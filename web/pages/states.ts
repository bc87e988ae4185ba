/** The designed states every page shares: loading, empty, error. */
import { useState } from "preact/hooks";
import { html } from "../html.ts";
import { Icon } from "../icons.ts";

/**
 * Placeholder rows while a list loads (no layout jump).
 * @param props How many rows.
 * @returns The skeleton.
 */
export function Skeleton(props: { rows: number }) {
  return html`<div class="skeleton" aria-busy="true" aria-label="Loading">${Array.from({ length: props.rows }, () => html`<div class="skeleton-row"></div>`)}</div>`;
}

/**
 * A command with a copy button.
 * @param props The command.
 * @returns The block.
 */
export function Command(props: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return html`<div class="command"><code>${props.text}</code>
    <button class="ghost" onClick=${() => void copy()} aria-label="Copy the command"><${Icon} name=${copied ? "check" : "copy"} /><span>${copied ? "Copied" : "Copy"}</span></button></div>`;
}

/**
 * What an empty list means and the next step.
 * @param props Title, explanation, an optional command and action.
 * @returns The block.
 */
export function EmptyState(props: { title: string; detail: string; command?: string; action?: { label: string; href: string } }) {
  return html`<div class="empty">
    <h2>${props.title}</h2>
    <p class="muted">${props.detail}</p>
    ${props.command ? html`<${Command} text=${props.command} />` : null}
    ${props.action ? html`<a class="button primary" href=${props.action.href}>${props.action.label}</a>` : null}
  </div>`;
}

/**
 * What failed and what to do.
 * @param props Title and the error's message.
 * @returns The block.
 */
export function ErrorState(props: { title: string; detail: string }) {
  return html`<div class="empty error-state" role="alert">
    <h2>${props.title}</h2>
    <p>${props.detail}</p>
    <p class="muted">Check that the server runs, then reload the page.</p>
  </div>`;
}
