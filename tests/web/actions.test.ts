/**
 * Machine actions and live transfers in the browser, with a real agent
 * syncing a real folder: Pause from the dashboard stops the agent's
 * uploads (a file written on its disk stays off the server while paused)
 * and the acknowledgement shows; Resume, and the file arrives; Sync now is
 * acknowledged; a large upload shows its progress bar on Activity and on
 * Machines while the test's proxy holds the chunk answers, and the file's
 * name once the vault is unlocked in the tab; a machine that starts failing
 * is told on every page. Nothing the
 * browser sends holds a name or a content.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../lib/agent/engine/agent-runtime.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { startProxy, type TestProxy } from "../agent/e2e/proxy.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { HAVE_BROWSER, openTab, signIn, submitUnlock, screenshots, type TestTab } from "./browser.ts";

const ROOT = "0".repeat(32);
const SECRETS = {
  paused: { name: "Written while paused.txt", body: "must wait for resume" },
  big: { name: "Large video of the garden.mov" },
  failing: { name: "Cannot reach the server intact.txt", body: "garbled on the way" },
};

async function rootCount(server: TestServer): Promise<number> {
  const res = await server.adminFetch(`/api/tree?parentId=${ROOT}`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

describe.skipIf(!HAVE_BROWSER)("machine actions and live transfers in the browser", () => {
  let server: TestServer;
  let proxy: TestProxy;
  let dirs: Scratch;
  let home: PreparedHome;
  let agent: AgentRuntime;
  let tab: TestTab;

  beforeAll(async () => {
    server = await startTestServer();
    dirs = await scratch();
    home = await prepareHome(server, dirs, "studio-desktop", true);
    // The agent talks to the server through a proxy that can hold chunk answers (a slow link, on demand).
    proxy = await startProxy(server.url);
    const config = JSON.parse(await readFile(home.paths.config, "utf8")) as { serverUrl: string };
    await writeFile(home.paths.config, JSON.stringify({ ...config, serverUrl: proxy.url }, null, 2));
    agent = await AgentRuntime.start({ paths: home.paths, env: home.env }, { delayMs: 0, notifications: false });
    tab = await openTab();
    await signIn(tab.page, server);
  });
  afterAll(async () => {
    await tab?.close();
    await agent?.close();
    await proxy?.close();
    await server?.close();
    await dirs?.cleanup();
  });

  it("pauses the machine from the dashboard: acknowledged, shown as paused, and nothing uploads", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Machines" }).click();
    const row = page.locator(".machine-row", { hasText: "studio-desktop" });
    await row.getByText("Up to date").waitFor({ timeout: 30_000 });
    await row.getByRole("button", { name: "Pause studio-desktop" }).click();
    await row.getByText(/Pause: (sent|delivered)/).or(row.getByText("Pause: acknowledged")).waitFor();
    await row.getByText("Pause: acknowledged").waitFor({ timeout: 20_000 });
    await row.locator(".state.paused").waitFor();
    await row.getByRole("button", { name: "Resume studio-desktop" }).waitFor();
    expect(agent.status().paused).toBe(true);
    // Paused shows on every page: the header's health pill names the machine.
    await page.getByRole("status").filter({ hasText: "studio-desktop paused" }).waitFor();
    await screenshots(page, "machines-paused");
    await writeFile(join(home.folder, SECRETS.paused.name), SECRETS.paused.body);
    const until = Date.now() + 4000;
    await waitFor("four seconds with the file kept off the server", async () => {
      expect(await rootCount(server)).toBe(0);
      expect(agent.status().state).toBe("paused");
      return Date.now() > until;
    }, 10_000);
    await page.goto(server.url + "/activity");
    const card = page.locator(".transfer-card", { hasText: "studio-desktop" });
    await card.getByText("Paused", { exact: true }).waitFor();
    await card.getByRole("button", { name: "Resume studio-desktop" }).waitFor(); // at hand on Activity too
    await page.getByRole("status").filter({ hasText: "studio-desktop paused" }).waitFor();
    await screenshots(page, "activity-paused");
  });

  it("resumes from the dashboard, and the file written while paused arrives", async () => {
    const { page } = tab;
    await page.goto(server.url + "/machines");
    const row = page.locator(".machine-row", { hasText: "studio-desktop" });
    await row.getByRole("button", { name: "Resume studio-desktop" }).click();
    await row.getByText("Resume: acknowledged").waitFor({ timeout: 20_000 });
    await row.getByRole("button", { name: "Pause studio-desktop" }).waitFor();
    await waitFor("the file written while paused on the server", async () => (await rootCount(server)) === 1, 30_000);
    expect(agent.status().paused).toBe(false);
    await page.getByRole("status").filter({ hasText: /^(All in sync|In sync · \d+ offline)$/ }).waitFor({ timeout: 20_000 });
  });

  it("asks for a sync now and shows the acknowledgement", async () => {
    const { page } = tab;
    const row = page.locator(".machine-row", { hasText: "studio-desktop" });
    await row.getByRole("button", { name: "Sync studio-desktop now" }).click();
    await row.getByText("Sync now: acknowledged").waitFor({ timeout: 20_000 });
    const machineId = await row.getAttribute("data-machine");
    const commands = (await (await server.adminFetch(`/api/machines/${machineId}/commands`)).json()) as { commands: { kind: string; state: string; ok: boolean }[] };
    expect(commands.commands.map((c) => [c.kind, c.state, c.ok])).toEqual([["sync_now", "acknowledged", true], ["resume", "acknowledged", true], ["pause", "acknowledged", true]]);
    await screenshots(page, "machines-actions");
  });

  it("shows a large upload's progress bar while it transfers, and its end", async () => {
    const { page } = tab;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first chunk's answer passes, the others wait: the upload stands part way until released.
    let answered = 0;
    proxy.rewrite = { match: (path) => path.startsWith("/api/chunks/") && !path.startsWith("/api/chunks/missing"), apply: async (_path, body) => { if (answered++ > 0) await gate; return body; } };
    await page.goto(server.url + "/activity");
    await writeFile(join(home.folder, SECRETS.big.name), randomBytes(24 << 20));
    const card = page.locator(".transfer-card", { hasText: "studio-desktop" });
    await card.getByRole("progressbar").waitFor({ timeout: 30_000 });
    await card.getByText("Uploading").waitFor();
    await expect.poll(async () => Number(await card.getByRole("progressbar").getAttribute("aria-valuenow")), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByRole("status").filter({ hasText: /transfer(s)? running/ }).waitFor();
    await screenshots(page, "activity-transfers");
    await page.getByRole("link", { name: "Machines" }).click(); // within the app: the live transfer stays known
    await page.locator(".machine-row", { hasText: "studio-desktop" }).getByRole("progressbar").waitFor();
    await screenshots(page, "machines-transfer");
    release();
    proxy.rewrite = null;
    await waitFor("the large file on the server", async () => (await rootCount(server)) === 2, 60_000);
    await page.goto(server.url + "/activity");
    await expect.poll(() => card.getByRole("progressbar").count(), { timeout: 30_000 }).toBe(0);
    await card.getByText("Caught up with the server").waitFor({ timeout: 20_000 });
  });

  it("names the file in transfer once the vault is unlocked in the tab", async () => {
    const { page } = tab;
    await page.goto(server.url + "/files");
    await submitUnlock(page, PASSWORD);
    await page.getByRole("button", { name: /Unlocked/ }).waitFor();
    await page.getByRole("link", { name: "Activity" }).click(); // within the app: the keys stay in the tab
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let answered = 0;
    proxy.rewrite = { match: (path) => path.startsWith("/api/chunks/") && !path.startsWith("/api/chunks/missing"), apply: async (_path, body) => { if (answered++ > 0) await gate; return body; } };
    await writeFile(join(home.folder, SECRETS.big.name), randomBytes(24 << 20)); // a new version of a file the server knows
    const card = page.locator(".transfer-card", { hasText: "studio-desktop" });
    await card.getByRole("progressbar").waitFor({ timeout: 30_000 });
    await card.getByText(SECRETS.big.name).waitFor();
    await screenshots(page, "activity-transfers-named");
    release();
    proxy.rewrite = null;
    await expect.poll(() => card.getByRole("progressbar").count(), { timeout: 60_000 }).toBe(0);
  });

  it("tells on every page when the machine starts failing, naming it", async () => {
    const { page } = tab;
    await page.getByRole("status").filter({ hasText: /^(All in sync|In sync · \d+ offline)$/ }).waitFor({ timeout: 30_000 });
    // The server's answers to this machine's uploads and commits arrive garbled: its files fail.
    proxy.rewrite = { match: (path) => path.startsWith("/api/chunks/") || path.startsWith("/api/commits"), apply: () => Buffer.from("garbled") };
    await writeFile(join(home.folder, SECRETS.failing.name), SECRETS.failing.body);
    const alert = page.getByRole("alert").filter({ hasText: "studio-desktop is failing" });
    await alert.waitFor({ timeout: 30_000 });
    await page.getByRole("status").filter({ hasText: "studio-desktop failing" }).waitFor();
    await screenshots(page, "health-failing");
    await page.getByRole("link", { name: "Files" }).click(); // the pill is on every page
    await page.getByRole("status").filter({ hasText: "studio-desktop failing" }).waitFor();
    await alert.getByRole("button", { name: "Dismiss" }).click();
    await alert.waitFor({ state: "detached" });
    proxy.rewrite = null;
  });

  it("never sent a name, a content or the master password", () => {
    const sent = tab.sent.join("\n");
    expect(tab.sent.length).toBeGreaterThan(0);
    for (const secret of [SECRETS.paused.name, SECRETS.paused.body, SECRETS.big.name, SECRETS.failing.name, SECRETS.failing.body, PASSWORD]) expect(sent).not.toContain(secret);
  });
});
