/**
 * The unlock dialog: the master password opens the vault in this tab. On
 * an insecure origin the browser gives no WebCrypto, so it says why and
 * how to serve the dashboard over HTTPS instead.
 */
import { useState } from "preact/hooks";
import { Dialog } from "./dialog.ts";
import { html } from "./html.ts";
import { Field } from "./field.ts";
import { session } from "./session.ts";
import { canUnlock, unlock } from "./vault.ts";

/**
 * Why this page cannot unlock, and what to do.
 * @returns The explanation.
 */
export function InsecureOrigin() {
  return html`<div class="notice warn" role="note">
    <p><strong>This page cannot unlock the vault.</strong> Browsers give the cryptography it needs only to secure pages:
      HTTPS, or this computer's own address (<code>http://localhost</code>, <code>http://127.0.0.1</code>).
      This page was opened over plain HTTP at <code>${location.host}</code>.</p>
    <p>Serve the dashboard over HTTPS: give the server a certificate (<code>tls-cert</code> and <code>tls-key</code> in its configuration)
      or put it behind a reverse proxy that terminates TLS, then open the <code>https://</code> address.
      Metadata stays visible here; names stay locked.</p>
  </div>`;
}

/**
 * The dialog.
 * @param props What closing does.
 * @returns The dialog.
 */
export function UnlockDialog(props: { onClose: () => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const secure = canUnlock();
  const submit = async (e: Event) => {
    e.preventDefault();
    const vaultId = session.get()?.vaultId;
    if (!vaultId) return;
    setBusy(true);
    setError("");
    try {
      await unlock(password, vaultId);
      props.onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setPassword("");
      setBusy(false);
    }
  };
  return html`<${Dialog} title="Unlock the vault" onClose=${props.onClose}>
    ${secure
      ? html`<form onSubmit=${submit}>
          <p class="muted">Your master password opens the vault here, in this tab. Neither the password nor the keys are sent to the server; they are forgotten when you lock, sign out or close the tab.</p>
          <${Field} label="Master password" name="masterPassword" type="password" value=${password} autofocus autocomplete="current-password" required onValue=${setPassword} />
          ${busy ? html`<p class="muted" role="status">Deriving the key… this takes a second.</p>` : null}
          ${error ? html`<p class="error" role="alert">${error}</p>` : null}
          <div class="actions">
            <button type="button" onClick=${props.onClose}>Cancel</button>
            <button class="primary" type="submit" disabled=${busy}>Unlock</button>
          </div>
        </form>`
      : html`<${InsecureOrigin} /><div class="actions"><button onClick=${props.onClose}>Close</button></div>`}
  <//>`;
}
