/**
 * A modal dialog (the native `<dialog>`: focus kept inside, Escape closes).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { html } from "./html.ts";

/**
 * A dialog shown while mounted.
 * @param props Its title, what closing does, and its content.
 * @returns The dialog.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return html`<dialog ref=${ref} class=${props.wide ? "dialog wide" : "dialog"} aria-label=${props.title}
      onCancel=${(e: Event) => { e.preventDefault(); props.onClose(); }}>
    <h2 class="dialog-title">${props.title}</h2>
    ${props.children}
  </dialog>`;
}
