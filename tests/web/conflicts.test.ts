/**
 * Conflicts in the browser, with two real agents syncing one vault: the
 * same file edited on both (one paused meanwhile) makes a conflict; the
 * dashboard lists it with the file's name, opens both versions side by
 * side with their line diff, and resolves it by keeping the conflict
 * copy's version, sealed in the tab: both agents' disks end with that
 * content and no conflict copy; a second one is resolved by keeping the
 * file's version, a third by keeping both. Nothing the browser sends holds a name,
 * a content or the master password.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../lib/agent/engine/agent-runtime.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { HAVE_BROWSER, openTab, signIn, submitUnlock, screenshots, type TestTab } from "./browser.ts";

const NAME = "Shopping list for the weekend.txt";
const FIRST = "apples\nbread\ncheese\n";
const STUDIO = "apples\nbread from the studio\ncheese\n";
const KITCHEN = "apples\nbread from the kitchen\ncheese\ndates\n";
const STUDIO_AGAIN = "figs from the studio\n";
const KITCHEN_AGAIN = "figs from the kitchen\n";

async function read(folder: string): Promise<{ names: string[]; body: string | null }> {
  const names = (await readdir(folder)).filter((n) => !n.startsWith(".syncagent"));
  const body = await readFile(join(folder, NAME), "utf8").catch(() => null);
  return { names, body };
}

describe.skipIf(!HAVE_BROWSER)("conflicts in the browser", () => {
  let server: TestServer;
  let dirs: Scratch;
  let studio: PreparedHome;
  let kitchen: PreparedHome;
  let studioAgent: AgentRuntime;
  let kitchenAgent: AgentRuntime;
  let tab: TestTab;

  /** The kitchen pauses; both edit the file; the kitchen resumes and finds the studio's edit first. */
  async function makeConflict(studioBody: string, kitchenBody: string): Promise<void> {
    const head = async () => ((await (await server.adminFetch(`/api/tree?parentId=${"0".repeat(32)}`)).json()) as { items: { version: number }[] }).items[0]?.version ?? 0;
    const open = async () => ((await (await server.adminFetch("/api/conflicts")).json()) as { conflicts: unknown[] }).conflicts.length;
    const before = await head();
    await kitchenAgent.command("pause");
    await writeFile(join(kitchen.folder, NAME), kitchenBody);
    await writeFile(join(studio.folder, NAME), studioBody);
    await waitFor("the studio's edit committed", async () => (await head()) > before, 30_000);
    expect(kitchenAgent.status().paused).toBe(true);
    await kitchenAgent.command("resume");
    await waitFor("the conflict reported", async () => (await open()) >= 1, 30_000);
    await waitFor("the conflict copy on both disks", async () => (await read(studio.folder)).names.length === 2 && (await read(kitchen.folder)).names.length === 2, 30_000);
  }

  beforeAll(async () => {
    server = await startTestServer();
    dirs = await scratch();
    studio = await prepareHome(server, dirs, "studio-desktop", true);
    kitchen = await prepareHome(server, dirs, "kitchen-mini", false);
    await writeFile(join(studio.folder, NAME), FIRST);
    studioAgent = await AgentRuntime.start({ paths: studio.paths, env: studio.env }, { delayMs: 0, notifications: false });
    kitchenAgent = await AgentRuntime.start({ paths: kitchen.paths, env: kitchen.env }, { delayMs: 0, notifications: false });
    await waitFor("the file on the kitchen's disk", async () => (await read(kitchen.folder)).body === FIRST, 30_000);
    await makeConflict(STUDIO, KITCHEN);
    tab = await openTab();
    await signIn(tab.page, server);
  });
  afterAll(async () => {
    await tab?.close();
    await studioAgent?.close();
    await kitchenAgent?.close();
    await server?.close();
    await dirs?.cleanup();
  });

  it("lists the conflict, locked then with its name and both versions", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Conflicts" }).click();
    await page.waitForURL(/\/conflicts$/);
    await page.locator(".conflict-row").first().waitFor();
    expect(await page.locator(".conflict-row").count()).toBe(1);
    await page.locator(".conflict-row").getByText("Locked name").waitFor();
    await page.locator(".conflict-row").getByText("reported by kitchen-mini").waitFor();
    await screenshots(page, "conflicts-locked");
    await submitUnlock(page, PASSWORD);
    const row = page.locator(".conflict-row", { hasText: NAME });
    await row.waitFor();
    await row.locator(".col-side").nth(0).getByText("studio-desktop").waitFor();
    await row.locator(".col-side").nth(1).getByText("kitchen-mini").waitFor();
    await screenshots(page, "conflicts");
  });

  it("opens both versions side by side with their line diff", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: `Open the conflict on ${NAME}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("table", { name: "Differences, line by line" }).waitFor();
    expect(await dialog.locator(".diff-text.removed").allTextContents()).toEqual(["bread from the studio"]);
    expect(await dialog.locator(".diff-text.added").allTextContents()).toEqual(["bread from the kitchen", "dates"]);
    expect(await dialog.locator(".diff-row").count()).toBe(4);
    await dialog.getByText(/\.conflict-\d{8}-\d{6}-kitchen-mini\.txt$/).waitFor();
    await screenshots(page, "conflict-open");
  });

  it("keeps the conflict copy's version: both disks end with it and without the copy", async () => {
    const { page } = tab;
    await page.getByRole("dialog").getByRole("button", { name: "Keep the conflict copy's version" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByText("No conflicts").waitFor();
    for (const home of [studio, kitchen]) {
      await waitFor(`the kept version alone on ${home.name}'s disk`, async () => {
        const now = await read(home.folder);
        return now.body === KITCHEN && now.names.length === 1;
      }, 45_000);
    }
    const resolved = (await (await server.adminFetch("/api/conflicts?state=resolved")).json()) as { conflicts: { state: string }[] };
    expect(resolved.conflicts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(resolved.conflicts.map((c) => c.state))).toEqual(new Set(["resolved"]));
    await page.getByRole("tab", { name: "Resolved" }).click();
    await page.locator(".conflict-row", { hasText: NAME }).waitFor();
    await screenshots(page, "conflicts-resolved");
    // The copy went to the trash, where it can be restored from.
    const trash = (await (await server.adminFetch("/api/trash")).json()) as { items: unknown[] };
    expect(trash.items).toHaveLength(1);
  });

  it("keeps the file's version of a second conflict: the copy goes, the file stays as the server had it", async () => {
    const { page } = tab;
    await makeConflict(STUDIO_AGAIN, KITCHEN_AGAIN);
    await page.getByRole("tab", { name: "Open" }).click();
    await page.getByRole("button", { name: `Open the conflict on ${NAME}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.locator(".diff-text.removed", { hasText: "figs from the studio" }).waitFor();
    await dialog.getByRole("button", { name: "Keep the file's version" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("No conflicts").waitFor();
    for (const home of [studio, kitchen]) {
      await waitFor(`the file's version alone on ${home.name}'s disk`, async () => {
        const now = await read(home.folder);
        return now.body === STUDIO_AGAIN && now.names.length === 1;
      }, 45_000);
    }
    const trash = (await (await server.adminFetch("/api/trash")).json()) as { items: unknown[] };
    expect(trash.items).toHaveLength(2);
  });

  it("keeps both versions of a third conflict: nothing changes on the disks, the conflict is resolved", async () => {
    const { page } = tab;
    await makeConflict("grapes from the studio\n", "grapes from the kitchen\n");
    await page.getByRole("tab", { name: "Resolved" }).click();
    await page.getByRole("tab", { name: "Open" }).click();
    await page.getByRole("button", { name: `Open the conflict on ${NAME}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.locator(".diff-text.added", { hasText: "grapes from the kitchen" }).waitFor();
    await dialog.getByRole("button", { name: "Keep both" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("No conflicts").waitFor();
    const resolved = (await (await server.adminFetch("/api/conflicts?state=resolved")).json()) as { conflicts: unknown[] };
    expect(resolved.conflicts.length).toBeGreaterThanOrEqual(3);
    const open = (await (await server.adminFetch("/api/conflicts")).json()) as { conflicts: unknown[] };
    expect(open.conflicts).toEqual([]);
    for (const home of [studio, kitchen]) {
      const now = await read(home.folder);
      expect(now.body).toBe("grapes from the studio\n");
      expect(now.names).toHaveLength(2);
    }
    const trash = (await (await server.adminFetch("/api/trash")).json()) as { items: unknown[] };
    expect(trash.items).toHaveLength(2);
  });

  it("never sent a name, a content or the master password", () => {
    const sent = tab.sent.join("\n");
    expect(tab.sent.length).toBeGreaterThan(0);
    for (const secret of [NAME, "bread from the kitchen", "bread from the studio", "figs from the", "grapes from the", "kitchen-mini.txt", PASSWORD]) expect(sent).not.toContain(secret);
  });
});
