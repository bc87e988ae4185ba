/**
 * Searching the whole vault in the browser, with a real agent syncing a
 * real folder: locked, the page asks to unlock; unlocked, names in every
 * folder match (not only the current one's), each with its folder path, a
 * deleted file does not, a click opens the folder that holds the result,
 * and a file the agent adds later is found. Nothing the browser sends
 * holds a name, the query or the master password.
 */
import { mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../lib/agent/engine/agent-runtime.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { HAVE_BROWSER, openTab, signIn, submitUnlock, screenshots, type TestTab } from "./browser.ts";

const NAMES = {
  projects: "Client projects",
  alpha: "Alpha rebuild",
  beta: "Beta launch",
  april: "Invoice April.pdf",
  draft: "invoice draft for Beta.txt",
  archive: "Invoices archive",
  readme: "readme.md",
  gone: "Old invoice nobody needs.txt",
  later: "Invoice May.pdf",
  query: "nvoic",
};

async function trashCount(server: TestServer): Promise<number> {
  return ((await (await server.adminFetch("/api/trash")).json()) as { items: unknown[] }).items.length;
}

describe.skipIf(!HAVE_BROWSER)("searching the vault in the browser", () => {
  let server: TestServer;
  let dirs: Scratch;
  let home: PreparedHome;
  let agent: AgentRuntime;
  let tab: TestTab;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-web-search-"));
    server = await startTestServer({ dataDir });
    dirs = await scratch();
    home = await prepareHome(server, dirs, "studio-desktop", true);
    const f = home.folder;
    await mkdir(join(f, NAMES.projects, NAMES.alpha), { recursive: true });
    await mkdir(join(f, NAMES.projects, NAMES.beta), { recursive: true });
    await mkdir(join(f, NAMES.archive));
    await writeFile(join(f, NAMES.projects, NAMES.alpha, NAMES.april), "april");
    await writeFile(join(f, NAMES.projects, NAMES.beta, NAMES.draft), "draft");
    await writeFile(join(f, NAMES.readme), "read me");
    await writeFile(join(f, NAMES.archive, NAMES.gone), "gone");
    agent = await AgentRuntime.start({ paths: home.paths, env: home.env }, { delayMs: 0, notifications: false });
    await waitFor("the agent's first upload", async () => {
      const snap = (await (await server.adminFetch("/api/snapshot")).json()) as { items: unknown[] };
      return snap.items.length === 8;
    }, 30_000);
    await unlink(join(f, NAMES.archive, NAMES.gone));
    await waitFor("the deletion", async () => (await trashCount(server)) === 1, 30_000);
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

  it("locked, asks to unlock, since names are read in the tab", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Search the vault" }).click();
    await page.waitForURL(/\/search$/);
    await page.getByText("The search reads names in this tab").waitFor();
    expect(await page.getByPlaceholder("Unlock to search").isDisabled()).toBe(true);
    await screenshots(page, "search-locked");
  });

  it("finds names in every folder with their folder path, not a deleted one", async () => {
    const { page } = tab;
    await submitUnlock(page, PASSWORD);
    const input = page.getByPlaceholder("Search all files by name");
    await page.getByText("Search the whole vault").waitFor();
    await input.fill(NAMES.query.toUpperCase());
    await page.getByText("3 results").waitFor();
    const rows = page.locator(".search-row");
    expect(await rows.locator(".file-name").allTextContents()).toEqual([NAMES.archive, NAMES.april, NAMES.draft]);
    expect(await rows.locator(".col-folder").allTextContents()).toEqual(["All files", `All files / ${NAMES.projects} / ${NAMES.alpha}`, `All files / ${NAMES.projects} / ${NAMES.beta}`]);
    await screenshots(page, "search-results");
    await input.fill("no such name anywhere");
    await page.getByText("Nothing matches").waitFor();
    await screenshots(page, "search-nothing");
  });

  it("opens the folder that holds a result, and keeps the query when going back", async () => {
    const { page } = tab;
    await page.getByPlaceholder("Search all files by name").fill(NAMES.query);
    await page.getByRole("link", { name: NAMES.draft }).click();
    await page.waitForURL(/\/files\/[0-9a-f]{32}\/[0-9a-f]{32}$/);
    await page.getByRole("navigation", { name: "Folder path" }).getByText(NAMES.beta).waitFor();
    await page.locator(".file-row", { hasText: NAMES.draft }).waitFor();
    await page.goBack();
    await page.getByText("3 results").waitFor();
    expect(await page.getByPlaceholder("Search all files by name").inputValue()).toBe(NAMES.query);
    await page.getByRole("link", { name: NAMES.archive }).click(); // a folder opens itself
    await page.getByRole("navigation", { name: "Folder path" }).getByText(NAMES.archive).waitFor();
    await page.getByText("This folder is empty").waitFor();
    await page.goBack();
  });

  it("finds a file the agent adds later", async () => {
    const { page } = tab;
    await writeFile(join(home.folder, NAMES.projects, NAMES.later), "may");
    await page.getByText("4 results").waitFor({ timeout: 30_000 });
    await page.getByRole("link", { name: NAMES.later }).waitFor();
  });

  it("never sent a name, the query or the master password to the server", () => {
    const sent = tab.sent.join("\n");
    expect(tab.sent.length).toBeGreaterThan(0);
    for (const name of Object.values(NAMES)) expect(sent).not.toContain(name);
    expect(sent.toLowerCase()).not.toContain(NAMES.query);
    expect(sent).not.toContain(PASSWORD);
  });
});
