/**
 * Files in the browser, with a real agent syncing a real folder: locked,
 * the metadata shows and names say they are locked; unlocked with the
 * master password in the tab, the real names appear, folders open with
 * breadcrumbs, the list filters by name, and a file the agent uploads
 * appears without a reload. Nothing the browser sends, and nothing the
 * server stores, holds a name, a content or the master password.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../lib/agent/engine/agent-runtime.ts";
import { resolveLink } from "../../lib/agent/links/resolve-link.ts";
import { parseSyncfileUrl } from "../../lib/agent/links/syncfile-url.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { findStoredPlaintext } from "../helpers/stored-plaintext.ts";
import { waitFor } from "../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { HAVE_BROWSER, openTab, signIn, submitUnlock, screenshots, type TestTab } from "./browser.ts";

const ROOT = "0".repeat(32);
const SECRETS = {
  report: { name: "Quarterly report 2026.txt", body: "the quarterly numbers nobody may read" },
  photo: { name: "holiday-by-the-sea.jpg", body: "pretend jpeg bytes of the sea" },
  folder: "Photos from the summer",
  live: { name: "Written while watching.md", body: "appears without a reload" },
  afterReconnect: { name: "After the network came back.txt", body: "still live" },
  long: { name: "A very long file name that goes on and on to see how the list truncates it gracefully.pdf", body: "long" },
};

async function rootCount(server: TestServer): Promise<number> {
  const res = await server.adminFetch(`/api/tree?parentId=${ROOT}`);
  return ((await res.json()) as { items: unknown[] }).items.length;
}

describe.skipIf(!HAVE_BROWSER)("files in the browser", () => {
  let server: TestServer;
  let dirs: Scratch;
  let home: PreparedHome;
  let agent: AgentRuntime;
  let tab: TestTab;

  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-web-files-"));
    server = await startTestServer({ dataDir });
    dirs = await scratch();
    home = await prepareHome(server, dirs, "studio-desktop", true);
    await writeFile(join(home.folder, SECRETS.report.name), SECRETS.report.body);
    await writeFile(join(home.folder, SECRETS.long.name), SECRETS.long.body);
    await mkdir(join(home.folder, SECRETS.folder));
    await writeFile(join(home.folder, SECRETS.folder, SECRETS.photo.name), SECRETS.photo.body);
    agent = await AgentRuntime.start({ paths: home.paths, env: home.env }, { delayMs: 0, notifications: false });
    await waitFor("the agent's first upload", async () => (await rootCount(server)) === 3, 30_000);
    tab = await openTab();
    await signIn(tab.page, server);
  });
  afterAll(async () => {
    await tab?.close();
    await agent?.close();
    await server?.close();
    await dirs?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("shows sizes and dates while locked, and says the names are locked", async () => {
    const { page } = tab;
    await page.getByText("Names are locked.").waitFor();
    await expect.poll(() => page.locator(".file-row").count()).toBe(3);
    expect(await page.locator(".file-name.locked").count()).toBe(3);
    expect(await page.locator(".file-row").first().textContent()).toContain("Locked name");
    // The server's size (of what it stores, padded) and date: metadata it has anyway.
    expect(await page.locator(".file-row .col-size").allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+(\.\d)? (B|KB)$/)]));
    expect(await page.locator(".file-row .col-date").first().textContent()).toMatch(/just now|s ago/);
    await screenshots(page, "files-locked");
  });

  it("unlocks in the tab and shows the real names, folders first, with breadcrumbs", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "Unlock", exact: true }).first().click();
    await page.getByLabel("Master password").fill(PASSWORD);
    await screenshots(page, "unlock-dialog");
    await page.getByRole("dialog").getByRole("button", { name: "Unlock" }).click();
    await page.getByText(SECRETS.report.name).waitFor();
    await page.getByRole("button", { name: /Unlocked/ }).waitFor();
    // The fingerprint to compare with the machines' (their config keeps it).
    const config = JSON.parse(await readFile(home.paths.config, "utf8")) as { fingerprint: string };
    const title = await page.getByRole("button", { name: /Unlocked/ }).getAttribute("title");
    expect(title).toContain(`Vault fingerprint ${config.fingerprint.match(/.{4}/g)!.join("-")}`);
    const names = await page.locator(".file-row .file-name").allTextContents();
    expect(names).toEqual([SECRETS.folder, SECRETS.long.name, SECRETS.report.name]);
    expect(await page.locator(".col-machine").nth(1).textContent()).toContain("studio-desktop");
    await screenshots(page, "files-unlocked");
    // Each row links to the item on this computer: the link names the vault and the node, no name, and the agent follows it to the file (W6).
    const href = await page.getByRole("link", { name: `Open ${SECRETS.report.name} on this computer` }).getAttribute("href");
    expect(href).toMatch(/^syncfile:\/\/[0-9a-f]{32}\/[0-9a-f]{32}$/);
    expect(href).not.toContain("Quarterly");
    const { vaultId } = JSON.parse(await readFile(home.paths.config, "utf8")) as { vaultId: string };
    const target = await resolveLink(parseSyncfileUrl(href!), { vaultId, syncFolder: home.folder, stateDb: home.paths.stateDb });
    expect(target.path).toBe(join(await realpath(home.folder), SECRETS.report.name));
    await page.getByRole("link", { name: SECRETS.folder, exact: true }).click();
    await page.getByText(SECRETS.photo.name).waitFor();
    await page.getByRole("navigation", { name: "Folder path" }).getByText(SECRETS.folder).waitFor();
    await screenshots(page, "files-folder");
    await page.reload(); // a folder's address: the names come back after unlocking again
    await page.getByText("Names are locked.").waitFor();
    await submitUnlock(page, PASSWORD);
    await page.getByRole("navigation", { name: "Folder path" }).getByText(SECRETS.folder).waitFor();
    await page.getByRole("link", { name: "All files" }).click();
    await page.getByText(SECRETS.report.name).waitFor();
  });

  it("refuses a wrong master password and sorts and filters by name", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: /Unlocked/ }).click(); // lock
    await page.getByText("Names are locked.").waitFor();
    await page.getByRole("button", { name: "Unlock", exact: true }).first().click();
    await page.getByLabel("Master password").fill("not the master password");
    await page.getByRole("dialog").getByRole("button", { name: "Unlock" }).click();
    await page.getByRole("dialog").getByText("Wrong master password").waitFor();
    await page.getByLabel("Master password").fill(PASSWORD);
    await page.getByRole("dialog").getByRole("button", { name: "Unlock" }).click();
    await page.getByText(SECRETS.report.name).waitFor();
    await page.getByRole("button", { name: "Size" }).click();
    await expect.poll(() => page.locator(".file-row .file-name").allTextContents()).toEqual([SECRETS.folder, SECRETS.long.name, SECRETS.report.name]);
    await page.getByRole("button", { name: "Size" }).click();
    await expect.poll(() => page.locator(".file-row .file-name").allTextContents()).toEqual([SECRETS.report.name, SECRETS.long.name, SECRETS.folder]);
    await page.getByPlaceholder("Filter by name").fill("QUARTERLY");
    await expect.poll(() => page.locator(".file-row .file-name").allTextContents()).toEqual([SECRETS.report.name]);
    await page.getByPlaceholder("Filter by name").fill("nothing like this");
    await page.getByText("Nothing matches").waitFor();
    await page.getByPlaceholder("Filter by name").fill("");
    await page.getByRole("button", { name: "Name", exact: true }).click();
    // The list is walked with the arrow keys.
    await page.locator(".file-row .file-name").first().focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(SECRETS.long.name);
    await page.keyboard.press("ArrowUp");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(SECRETS.folder);
  });

  it("shows a file the agent uploads without a reload", async () => {
    const { page } = tab;
    const before = page.url();
    await writeFile(join(home.folder, SECRETS.live.name), SECRETS.live.body);
    await page.getByText(SECRETS.live.name).waitFor({ timeout: 45_000 });
    expect(page.url()).toBe(before);
  });

  it("reconnects the live feed when the server comes back, and keeps updating", async () => {
    const { page } = tab;
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    const port = server.port;
    await server.close(); // the data stays (a shared data dir): sessions, machines, files
    await page.getByText("Reconnecting…").waitFor();
    await screenshots(page, "files-reconnecting");
    server = await startTestServer({ dataDir, setup: false, config: { port: String(port) } });
    await page.getByRole("status").getByText(/in sync/i).waitFor({ timeout: 40_000 });
    expect(sockets.filter((url) => url.endsWith("/ws/dashboard")).length).toBeGreaterThanOrEqual(1);
    await writeFile(join(home.folder, SECRETS.afterReconnect.name), SECRETS.afterReconnect.body);
    await page.getByText(SECRETS.afterReconnect.name).waitFor({ timeout: 45_000 });
  });

  it("shows the machines' live status and the activity log", async () => {
    const { page } = tab;
    await page.goto(server.url + "/activity");
    await page.getByRole("heading", { name: "Recent activity" }).waitFor();
    await page.locator(".activity-log li").first().waitFor();
    await screenshots(page, "activity");
    await page.goto(server.url + "/machines");
    const row = page.locator(".machine-row", { hasText: "studio-desktop" });
    await row.getByText("Up to date").waitFor();
    await row.getByText(/just now|s ago/).waitFor();
    await screenshots(page, "machines-live");
  });

  it("never sent a name, a content or the master password to the server", () => {
    const sent = tab.sent.join("\n");
    expect(tab.sent.length).toBeGreaterThan(0);
    for (const secret of [SECRETS.report, SECRETS.photo, SECRETS.live, SECRETS.afterReconnect, SECRETS.long]) {
      expect(sent).not.toContain(secret.name);
      expect(sent).not.toContain(secret.body);
    }
    expect(sent).not.toContain(SECRETS.folder);
    expect(sent).not.toContain(PASSWORD);
  });

  it("left no name, content or password in any table or stored object of the server", async () => {
    const secrets = [SECRETS.folder, PASSWORD, ...Object.values(SECRETS).flatMap((s) => (typeof s === "string" ? [] : [s.name, s.body]))].filter((s) => s.length >= 8);
    const stored = await findStoredPlaintext(dataDir, secrets);
    expect(stored.files).toBeGreaterThan(3); // the database, its WAL and chunks
    expect(stored.leaks).toEqual([]);
    // The search finds what is there: the agent's own state database holds the names in the clear, by design.
    expect((await findStoredPlaintext(home.home, [SECRETS.report.name])).leaks.length).toBeGreaterThan(0);
  });
});
