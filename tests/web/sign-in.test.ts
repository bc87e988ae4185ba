/**
 * The setup wizard, sign-in with a throttled wrong password, sign-out: in
 * Chromium against a real server.
 */
import { readFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { HAVE_BROWSER, openTab, reportFailures, screenshots, signIn, type TestTab } from "./browser.ts";

/** A bound on the test's own requests, so a request the server never answers fails by name. */
const answerWithin = (): RequestInit => ({ signal: AbortSignal.timeout(15_000) });

/** This machine's first address beyond loopback (an insecure origin for a browser), if it has one. */
function lanAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
}

describe.skipIf(!HAVE_BROWSER)("setup, sign-in and sign-out in the browser", () => {
  let server: TestServer;
  let tab: TestTab;
  /** What the test running now opened besides, for the failure report. */
  let extra: { tab?: TestTab; server?: TestServer } = {};
  beforeAll(async () => {
    server = await startTestServer({ setup: false });
    tab = await openTab();
  });
  afterAll(async () => {
    await tab?.close();
    await server?.close();
  });
  beforeEach(() => {
    extra = {};
  });
  reportFailures(() => ({ tabs: [tab, extra.tab], logFile: extra.server?.logFile ?? server?.logFile }));

  it("walks a new server through the wizard to its first session", async () => {
    const { page } = tab;
    await page.goto(server.url + "/");
    await page.waitForURL(/\/setup$/);
    await expect.poll(() => page.getByRole("heading", { name: "Set up SyncAgent" }).isVisible()).toBe(true);
    await screenshots(page, "setup");
    await page.getByLabel("Username").fill("ann");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Confirm password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("at least 12 characters").first().waitFor();
    await page.getByLabel("Password", { exact: true }).fill("a good long admin password");
    await page.getByLabel("Confirm password").fill("a good long admin password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Your server is ready" }).waitFor();
    await screenshots(page, "setup-done");
    const setup = (await (await server.fetch("/api/setup", answerWithin())).json()) as { needed: boolean };
    expect(setup.needed).toBe(false);
    await page.getByRole("button", { name: "Open the dashboard" }).click();
    await page.waitForURL(/\/files$/);
    await page.getByRole("heading", { name: "No files yet" }).waitFor();
    await screenshots(page, "files-empty");
  });

  it("says a wrong password plainly, counts down the throttle, then signs in and out", async () => {
    // A server and a tab of its own, so this test stands whatever became of the wizard's.
    const own = await startTestServer();
    const other = await openTab();
    extra = { tab: other, server: own };
    try {
      await throttledSignIn(own, other);
    } finally {
      await other.close();
      await own.close();
    }
  }, 150_000);

  /**
   * Signs in, out, in with wrong passwords until the server throttles, then in.
   * @param own The server, with its admin.
   * @param other The tab.
   */
  async function throttledSignIn(own: TestServer, other: TestTab): Promise<void> {
    const { page } = other;
    await signIn(page, own);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login$/);
    expect((await own.fetch("/api/auth/session", answerWithin())).status).toBe(401);
    await page.getByLabel("Username").fill(own.username);
    // Wrong passwords until the server throttles (each failure doubles the wait; the first ones may pass it).
    let status = 0;
    for (let attempt = 0; attempt < 8 && status !== 429; attempt++) {
      await page.getByLabel("Password").fill(`not the password ${attempt}`);
      const answer = page.waitForResponse((r) => r.url().endsWith("/api/auth/login"));
      await page.getByRole("button", { name: "Sign in" }).and(page.locator(":enabled")).click({ timeout: 70_000 });
      status = (await answer).status();
      if (status === 401) await page.getByRole("alert").getByText("Wrong username or password").waitFor();
    }
    expect(status).toBe(429);
    await page.getByRole("alert").getByText("Too many wrong passwords").waitFor();
    const seconds = Number(await page.getByTestId("retry-after").textContent());
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole("button", { name: "Sign in" }).isDisabled()).toBe(true);
    await screenshots(page, "login-throttled");
    await page.getByLabel("Password").fill(own.password);
    // The button comes back when the countdown ends.
    await page.getByRole("button", { name: "Sign in" }).and(page.locator(":enabled")).click({ timeout: 70_000 });
    await page.waitForURL(/\/files$/);
    expect(other.sent.join("\n")).not.toContain("__Host-"); // the cookie never goes into a body
  }

  it("asks for the setup token beyond loopback, and says why a plain-http page cannot unlock", async () => {
    const open = await startTestServer({ setup: false, config: { host: "0.0.0.0" } });
    extra = { server: open };
    try {
      const state = (await (await open.fetch("/api/setup", answerWithin())).json()) as { setupTokenRequired: boolean; setupTokenFile: string };
      expect(state.setupTokenRequired).toBe(true);
      const other = await openTab();
      extra.tab = other;
      try {
        const lan = lanAddress();
        const base = lan ? `http://${lan}:${open.port}` : open.url;
        await other.page.goto(base + "/setup");
        await other.page.getByLabel("Setup token").waitFor();
        await other.page.getByText(state.setupTokenFile).waitFor();
        await screenshots(other.page, "setup-token");
        await other.page.getByLabel("Username").fill("ann");
        await other.page.getByLabel("Password", { exact: true }).fill("a good long admin password");
        await other.page.getByLabel("Confirm password").fill("a good long admin password");
        await other.page.getByLabel("Setup token").fill("wrong-token");
        await other.page.getByRole("button", { name: "Create account" }).click();
        await other.page.getByRole("alert").getByText("setup token is missing or wrong").waitFor();
        await other.page.getByLabel("Setup token").fill((await readFile(state.setupTokenFile, "utf8")).trim());
        await other.page.getByRole("button", { name: "Create account" }).click();
        await other.page.getByRole("heading", { name: "Your server is ready" }).waitFor();
        if (lan) {
          await other.page.getByRole("button", { name: "Open the dashboard" }).click();
          await other.page.getByText("This page cannot unlock the vault.").waitFor();
          await other.page.getByText(`over plain HTTP at ${lan}:${open.port}`).waitFor();
          expect(await other.page.evaluate(() => window.isSecureContext)).toBe(false);
          await screenshots(other.page, "files-insecure-origin");
          await other.page.getByRole("button", { name: "Locked" }).click();
          await other.page.getByRole("dialog").getByText("Serve the dashboard over HTTPS").waitFor();
        }
      } finally {
        await other.close();
      }
    } finally {
      await open.close();
    }
  });
});
