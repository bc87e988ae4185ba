/**
 * Sign in. A throttled wrong password is said plainly, with the wait
 * counting down before the next try.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { html } from "../html.ts";
import { Field } from "../field.ts";
import { logIn } from "../session.ts";

/**
 * The sign-in page.
 * @returns The form.
 */
export function LoginPage() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [wait, setWait] = useState(0);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (wait <= 0) return;
    const timer = setTimeout(() => setWait(wait - 1), 1000);
    return () => clearTimeout(timer);
  }, [wait]);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (wait > 0) return;
    setBusy(true);
    setError("");
    try {
      await logIn(username.trim(), password);
    } catch (err) {
      setPassword("");
      if (err instanceof ApiError && err.code === "invalid_credentials") setError("Wrong username or password");
      else if (err instanceof ApiError && err.code === "too_many_attempts") {
        setError("Too many wrong passwords");
        setWait(err.retryAfter ?? 1);
      } else if (err instanceof ApiError && err.code === "busy") {
        setError("The server is busy");
        setWait(err.retryAfter ?? 1);
      } else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="auth">
    <form class="card auth-card" onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">Sign in to SyncAgent</h1>
      <${Field} label="Username" name="username" value=${username} required autocomplete="username" onValue=${setUsername} />
      <${Field} label="Password" name="password" type="password" value=${password} required autocomplete="current-password" onValue=${setPassword} />
      ${error
        ? html`<p class="error" role="alert">${error}${wait > 0 ? html`<span class="countdown">: try again in <strong data-testid="retry-after">${wait}</strong> s</span>` : error.startsWith("Too many") ? ": try again now" : null}</p>`
        : null}
      <div class="actions"><button class="primary" type="submit" disabled=${busy || wait > 0}>${busy ? "Signing in…" : "Sign in"}</button></div>
    </form>
  </main>`;
}
