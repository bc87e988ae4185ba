/**
 * Headless Chromium for the dashboard's tests (playwright-core driving the
 * system's Chromium): skipped with a message when it is missing, except
 * under CI=true, where a missing browser fails. Records every request body
 * and socket frame the page sends, and saves screenshots of each page at
 * desktop and phone widths, light and dark, under test-results/screenshots/.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Where Debian puts Chromium (scripts/ci/system-packages.sh installs it). */
export const CHROMIUM = process.env.SYNCAGENT_CHROMIUM ?? "/usr/bin/chromium";
/** Whether the browser tests run here. */
export const HAVE_BROWSER = existsSync(CHROMIUM);
if (!HAVE_BROWSER) {
  if (process.env.CI === "true") throw new Error(`Chromium is missing at ${CHROMIUM}: the dashboard's browser tests cannot run (CI requires them)`);
  console.warn(`Skipping the dashboard's browser tests: no Chromium at ${CHROMIUM} (install Debian's chromium, or set SYNCAGENT_CHROMIUM)`);
}

/** The screenshots' folder (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));

/** The two widths every page is checked at. */
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** A browser tab and what it sent. */
export interface TestTab {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request body and every socket frame the page sent so far. */
  sent: string[];
  /** The last things the page did (requests, answers, navigations, console, errors), for a failure's report. */
  trail: string[];
  close(): Promise<void>;
}

/** How many of the page's last events {@link TestTab.trail} keeps. */
const TRAIL = 80;

/** How long a browser call that takes no timeout of its own may take before the test says which one hung. */
const CALL_LIMIT_MS = 15_000;

/**
 * Waits for a browser call that has no timeout of its own (a viewport or
 * media change, a page's URL), failing with its name when it hangs.
 * @param what What the call does, for the error.
 * @param call The call.
 * @returns Its value.
 */
export async function bounded<T>(what: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the browser within ${CALL_LIMIT_MS} ms`)), CALL_LIMIT_MS);
  });
  try {
    return await Promise.race([call, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a tab (desktop size, light).
 * @param options The viewport to start with.
 * @returns The tab.
 */
export async function openTab(options: { viewport?: { width: number; height: number } } = {}): Promise<TestTab> {
  // Shared memory may be small in a container: Chromium then keeps its frames in /tmp rather than stall.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const context = await browser.newContext({ viewport: options.viewport ?? VIEWPORTS.desktop, colorScheme: "light" });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const sent: string[] = [];
  page.on("request", (request) => {
    const body = request.postDataBuffer();
    if (body) sent.push(body.toString("utf8"), body.toString("latin1"));
  });
  page.on("websocket", (ws) => ws.on("framesent", (frame) => sent.push(typeof frame.payload === "string" ? frame.payload : frame.payload.toString("utf8"))));
  const trail: string[] = [];
  const note = (line: string): void => {
    trail.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (trail.length > TRAIL) trail.shift();
  };
  page.on("request", (request) => note(`→ ${request.method()} ${request.url()}`));
  page.on("response", (response) => note(`← ${response.status()} ${response.url()}`));
  page.on("requestfailed", (request) => note(`✗ ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) note(`navigated to ${frame.url()}`);
  });
  page.on("console", (message) => note(`console.${message.type()}: ${message.text()}`));
  page.on("crash", () => note("the page crashed"));
  page.on("pageerror", (error) => {
    note(`page error: ${error.message}`);
    console.error("page error:", error.message);
  });
  return { browser, context, page, sent, trail, close: () => browser.close() };
}

/**
 * Saves the page at both widths, light and dark, then restores desktop light.
 * @param page The page, showing what to capture.
 * @param name The file name's stem (`files-unlocked`).
 * @returns The paths written.
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const written: string[] = [];
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await bounded(`resizing to ${size} width`, page.setViewportSize(viewport));
    for (const colorScheme of ["light", "dark"] as const) {
      await bounded(`switching to the ${colorScheme} scheme`, page.emulateMedia({ colorScheme, reducedMotion: "reduce" }));
      const path = join(SCREENSHOTS, `${name}-${size}-${colorScheme}.png`);
      await page.screenshot({ path, fullPage: false, animations: "disabled" });
      written.push(path);
    }
  }
  await bounded("resizing back to desktop width", page.setViewportSize(VIEWPORTS.desktop));
  await bounded("switching back to the light scheme", page.emulateMedia({ colorScheme: "light" }));
  return written;
}

/**
 * After each failed test of the file, prints what the tabs did last and the
 * end of the server's log, so a failure seen only on another machine can
 * be read from its output.
 * @param sources The tabs and the server's log file, read when a test fails.
 */
export function reportFailures(sources: () => { tabs: Array<TestTab | undefined>; logFile?: string }): void {
  afterEach(async (context) => {
    if (context.task.result?.state !== "fail") return;
    const { tabs, logFile } = sources();
    const lines = [`what the browser did before "${context.task.name}" failed:`];
    for (const [i, tab] of tabs.entries()) {
      if (!tab) continue;
      lines.push(`tab ${i + 1} at ${tab.page.url()}`, ...tab.trail.map((line) => "  " + line));
    }
    if (logFile) {
      const log = await readFile(logFile, "utf8").catch(() => "");
      lines.push("the server's log, last lines:", ...log.trimEnd().split("\n").slice(-30).map((line) => "  " + line));
    }
    console.error(lines.join("\n"));
  });
}

/**
 * Signs the admin in through the login page and waits for the files page.
 * @param page The tab's page.
 * @param server The server's address and the admin's credentials.
 * @param server.url The server's base URL.
 * @param server.username The admin's username.
 * @param server.password The admin's password.
 */
export async function signIn(page: Page, server: { url: string; username: string; password: string }): Promise<void> {
  await page.goto(server.url + "/login");
  await page.getByLabel("Username").fill(server.username);
  await page.getByLabel("Password").fill(server.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/files$/);
}

/**
 * Opens the unlock dialog and submits a master password (the caller waits for what should follow).
 * @param page The tab's page, with a locked vault.
 * @param password The master password to type.
 */
export async function submitUnlock(page: Page, password: string): Promise<void> {
  await page.getByRole("button", { name: "Unlock", exact: true }).first().click();
  await page.getByLabel("Master password").fill(password);
  await page.getByRole("dialog").getByRole("button", { name: "Unlock" }).click();
}
