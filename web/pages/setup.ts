/**
 * The setup wizard: the server's admin account (with the setup token when
 * the server listens beyond loopback), then what to do next.
 */
import { useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { html } from "../html.ts";
import { Field } from "../field.ts";
import { navigate } from "../router.ts";
import { setUp, type SetupState } from "../session.ts";
import { useStore } from "../store.ts";
import { setupState, wizardFinished } from "../session.ts";

const MIN_PASSWORD = 12;

function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "setup_token_required") return "The setup token is missing or wrong: copy it from the file named above, on the server";
    if (error.code === "already_set_up") return "This server already has its admin account: sign in instead";
    if (error.code === "busy") return "The server is busy: try again in a moment";
    return error.message;
  }
  return String(error);
}

/**
 * The first page of a new server.
 * @returns The wizard.
 */
export function SetupPage() {
  const setup: SetupState | undefined = useStore(setupState);
  const [step, setStep] = useState<"account" | "done">(wizardFinished.get() ? "done" : "account");
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  if (step === "done") {
    return html`<main class="auth">
      <section class="card auth-card" aria-labelledby="done-title">
        <p class="steps">Step 2 of 2</p>
        <h1 id="done-title">Your server is ready</h1>
        <p class="lead">Next, connect your first computer. Create an invitation, then run the command it shows on that computer: it creates your vault and its master password there.</p>
        <div class="actions">
          <button class="primary" onClick=${() => navigate("/invitations")}>Create an invitation</button>
          <button onClick=${() => navigate("/files")}>Open the dashboard</button>
        </div>
      </section>
    </main>`;
  }

  const mismatch = confirm !== "" && confirm !== password;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    if (password.length < MIN_PASSWORD) return setError(`Choose a password of at least ${MIN_PASSWORD} characters`);
    if (mismatch) return setError("The two passwords differ");
    setBusy(true);
    try {
      await setUp(username.trim(), password, setup?.setupTokenRequired ? token.trim() : undefined);
      setPassword("");
      setConfirm("");
      setStep("done");
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="auth">
    <form class="card auth-card" onSubmit=${submit} aria-labelledby="setup-title">
      <p class="steps">Step 1 of 2</p>
      <h1 id="setup-title">Set up SyncAgent</h1>
      <p class="lead">Create the administrator account of this server. You sign in with it here; it is not your vault's master password.</p>
      ${setup?.setupTokenRequired
        ? html`<${Field} label="Setup token" name="setupToken" value=${token} required autocomplete="off" spellcheck=${false} onValue=${setToken} />
          <small class="hint">This server is reachable from the network, so it asks for the token it wrote on its disk${setup.setupTokenFile ? html`: <code>${setup.setupTokenFile}</code>` : ""}.</small>`
        : null}
      <${Field} label="Username" name="username" value=${username} required autocomplete="username" onValue=${setUsername} />
      <${Field} label="Password" name="password" type="password" value=${password} required minLength=${MIN_PASSWORD} autocomplete="new-password" onValue=${setPassword} />
      <small class="hint">At least ${MIN_PASSWORD} characters.</small>
      <${Field} label="Confirm password" name="confirm" type="password" value=${confirm} required autocomplete="new-password" aria-invalid=${mismatch} onValue=${setConfirm} />
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions"><button class="primary" type="submit" disabled=${busy}>${busy ? "Creating…" : "Create account"}</button></div>
    </form>
  </main>`;
}
