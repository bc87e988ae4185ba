/** A labelled text input: the one shape of every form field the dashboard asks for. */
import { html } from "./html.ts";

/** What a field shows and where its value goes; other props pass to the `<input>`. */
export type FieldProps = {
  /** The visible label (also the input's accessible name). */
  label: string;
  /** Called with the input's value on every keystroke. */
  onValue: (value: string) => void;
} & Record<string, unknown>;

/**
 * A label wrapping its input.
 * @param props The label, the value's setter and the input's attributes.
 * @returns The field.
 */
export function Field(props: FieldProps) {
  const { label, onValue, ...input } = props;
  return html`<label class="field"><span>${label}</span><input ...${input} onInput=${(e: Event) => onValue((e.target as HTMLInputElement).value)} /></label>`;
}
