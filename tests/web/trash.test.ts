/**
 * The trash in the browser, with a real agent syncing a real folder: a file
 * deleted on the agent's disk is listed (locked: when, by which machine,
 * how big, when it is purged; unlocked: its name); restored from the
 * dashboard it comes back on the agent's disk byte-exact, to its place or,
 * when that is taken, as a "(restored)" copy beside it; emptying the trash
 * asks for the password again and leaves it empty. Nothing the browser
 * sends holds a name, a content or the master password.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../lib/agent/engine/agent-runtime.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { HAVE_BROWSER, openTab, signIn, screenshots, type TestTab } from "./browser.ts";

const SECRETS = {
  report: { name: "Board minutes March.txt", body: "minutes of a meeting nobody may read" },
  other: { name: "Board minutes March.txt", body: "a newer file under the same name" },
  copy: "Board minutes March (restored).txt",
  plan: { name: "Garden plan.md", body: "where the roses go" },
  folder: "Letters to the bank",
  letter: { name: "Loan request.txt", body: "please lend us the money" },
  letterCopy: "Loan request (restored).txt",
};

async function trashCount(server: TestServer): Promise<number> {
  const res = await server.adminFetch("/api/trash");
  return ((await res.json()) as { items: unknown[] }).items.length;
}

async function fileIs(path: string, body: string): Promise<boolean> {
  return existsSync(path) && (await readFile(path, "utf8")) === body;
}

describe.skipIf(!HAVE_BROWSER)("the trash in the browser", () => {
  let server: TestServer;
  let dirs: Scratch;
  let home: PreparedHome;
  let agent: AgentRuntime;
  let tab: TestTab;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-web-trash-"));
    server = await startTestServer({ dataDir });
    dirs = await scratch();
    home = await prepareHome(server, dirs, "studio-desktop", true);
    await writeFile(join(home.folder, SECRETS.report.name), SECRETS.report.body);
    await writeFile(join(home.folder, SECRETS.plan.name), SECRETS.plan.body);
    await mkdir(join(home.folder, SECRETS.folder));
    await writeFile(join(home.folder, SECRETS.folder, SECRETS.letter.name), SECRETS.letter.body);
    agent = await AgentRuntime.start({ paths: home.paths, env: home.env }, { delayMs: 0, notifications: false });
    await waitFor("the agent's first upload", async () => {
      const res = await server.adminFetch(`/api/tree?parentId=${"0".repeat(32)}`);
      return ((await res.json()) as { items: unknown[] }).items.length === 3;
    }, 30_000);
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

  it("says the trash is empty, then lists a file deleted on the agent's disk, locked", async () => {
    const { page } = tab;
    await page.goto(server.url + "/trash");
    await page.getByText("The trash is empty").waitFor();
    await screenshots(page, "trash-empty");
    await unlink(join(home.folder, SECRETS.report.name));
    await waitFor("the deletion on the server", async () => (await trashCount(server)) === 1, 30_000);
    const row = page.locator(".trash-row");
    await row.first().waitFor({ timeout: 15_000 }); // live, without a reload
    expect(await row.count()).toBe(1);
    expect(await row.locator(".file-name").textContent()).toBe("Locked name");
    expect(await row.locator(".col-deleted").textContent()).toMatch(/just now|s ago/);
    expect(await row.locator(".col-by").textContent()).toBe("studio-desktop");
    expect(await row.locator(".col-purge").textContent()).toBe("in 30 d");
    expect(await row.getByRole("button", { name: "Unlock to restore" }).count()).toBe(1);
    await page.getByText("Deleted files and folders are kept 30 days").waitFor();
    await screenshots(page, "trash-locked");
  });

  it("unlocked, shows the name and restores it to its place, byte-exact on the agent's disk", async () => {
    const { page } = tab;
    await page.getByRole("button", { name: "Unlock to restore" }).click(); // locked, restore asks to unlock
    await page.getByLabel("Master password").fill(PASSWORD);
    await page.getByRole("dialog").getByRole("button", { name: "Unlock" }).click();
    const row = page.locator(".trash-row", { hasText: SECRETS.report.name });
    await row.waitFor();
    expect(await row.locator(".col-size").textContent()).toBe(`${SECRETS.report.body.length} B`);
    await screenshots(page, "trash-unlocked");
    await row.getByRole("button", { name: `Restore ${SECRETS.report.name}` }).click();
    await page.getByText(`Restored “${SECRETS.report.name}” to its original place.`).waitFor();
    await waitFor("the restored file on the agent's disk", () => fileIs(join(home.folder, SECRETS.report.name), SECRETS.report.body), 30_000);
    await page.getByText("The trash is empty").waitFor();
    await screenshots(page, "trash-restored");
  });

  it("restores beside it as a copy when its place is taken, on the agent's disk", async () => {
    const { page } = tab;
    const path = join(home.folder, SECRETS.report.name);
    await unlink(path);
    await waitFor("the second deletion on the server", async () => (await trashCount(server)) === 1, 30_000);
    await writeFile(path, SECRETS.other.body); // a new file takes the place
    const row = page.locator(".trash-row", { hasText: SECRETS.report.name });
    await row.getByText("Its place is taken: restores as a copy").waitFor({ timeout: 30_000 });
    await row.getByRole("button", { name: `Restore ${SECRETS.report.name}` }).click();
    await page.getByText(`Its place is taken: restored beside it as “${SECRETS.copy}”.`).waitFor();
    await screenshots(page, "trash-restored-copy");
    await waitFor("the restored copy on the agent's disk", () => fileIs(join(home.folder, SECRETS.copy), SECRETS.report.body), 30_000);
    expect(await readFile(path, "utf8")).toBe(SECRETS.other.body);
  });

  it("restores a file whose folder is gone at the top of the vault, on the agent's disk", async () => {
    const { page } = tab;
    await unlink(join(home.folder, SECRETS.folder, SECRETS.letter.name));
    await waitFor("the file's deletion", async () => (await trashCount(server)) === 1, 30_000);
    await rm(join(home.folder, SECRETS.folder), { recursive: true });
    await waitFor("the folder's deletion", async () => (await trashCount(server)) === 2, 30_000);
    const row = page.locator(".trash-row", { hasText: SECRETS.letter.name });
    await row.getByText("Its place is taken: restores as a copy").waitFor({ timeout: 30_000 });
    await row.getByRole("button", { name: `Restore ${SECRETS.letter.name}` }).click();
    await page.getByText(`Its folder is gone: restored as “${SECRETS.letterCopy}” at the top of the vault.`).waitFor();
    await waitFor("the restored file at the top of the agent's folder", () => fileIs(join(home.folder, SECRETS.letterCopy), SECRETS.letter.body), 30_000);
    expect(existsSync(join(home.folder, SECRETS.folder))).toBe(false);
    await page.locator(".trash-row", { hasText: SECRETS.folder }).waitFor(); // the folder stays in the trash
  });

  it("empties the trash after asking for the password again, and says it cannot be undone", async () => {
    const { page } = tab;
    await unlink(join(home.folder, SECRETS.plan.name));
    await page.locator(".trash-row", { hasText: SECRETS.plan.name }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Empty the trash…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("This cannot be undone.").waitFor();
    await screenshots(page, "trash-purge-dialog");
    await dialog.getByLabel("Your account password").fill("not the password");
    await dialog.getByRole("button", { name: "Empty the trash" }).click();
    await dialog.getByText("Wrong password").waitFor();
    expect(await trashCount(server)).toBe(2);
    // Right after a wrong password the server makes the next attempt wait a second (429): the dialog says so, and the next try passes.
    const emptied = page.getByText(/The trash was emptied: 2 items purged/);
    await waitFor("the trash emptied", async () => {
      await dialog.getByLabel("Your account password").fill(server.password);
      await dialog.getByRole("button", { name: "Empty the trash" }).click();
      await emptied.or(dialog.getByText(/Too many wrong passwords/)).waitFor();
      return emptied.isVisible();
    }, 15_000);
    await page.getByText("The trash is empty").waitFor();
    expect(await trashCount(server)).toBe(0);
    expect(existsSync(join(home.folder, SECRETS.plan.name))).toBe(false);
  });

  it("never sent a name, a content or the master password to the server", () => {
    const sent = tab.sent.join("\n");
    expect(tab.sent.some((body) => body.includes("alternative"))).toBe(true); // the restores were seen
    for (const secret of [SECRETS.report, SECRETS.other, SECRETS.plan, SECRETS.letter]) {
      expect(sent).not.toContain(secret.name);
      expect(sent).not.toContain(secret.body);
    }
    expect(sent).not.toContain(SECRETS.copy);
    expect(sent).not.toContain(SECRETS.folder);
    expect(sent).not.toContain(SECRETS.letterCopy);
    expect(sent).not.toContain("restored");
    expect(sent).not.toContain(PASSWORD);
  });
});
