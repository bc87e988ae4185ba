/**
 * A file's version history in the browser, with a real agent syncing a
 * real folder: a file edited twice and then renamed on the agent's disk
 * lists every version newest first, under the name each had, written by
 * that machine; restoring the first version puts its bytes back on the
 * agent's disk; a restore built on a version that is no longer current
 * (the file changed meanwhile) is refused plainly and the list read again.
 * Nothing the browser sends holds a name, a content or the master password.
 */
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../lib/agent/engine/agent-runtime.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { prepareHome, type PreparedHome } from "../agent/helpers/homes.ts";
import { PASSWORD, scratch, type Scratch } from "../agent/keys/cli-harness.ts";
import { HAVE_BROWSER, openTab, signIn, submitUnlock, screenshots, type TestTab } from "./browser.ts";

const ROOT = "0".repeat(32);
const SECRETS = {
  draft: "Budget draft.txt",
  final: "Budget final.txt",
  bodies: ["first: the numbers", "second: the numbers, checked twice", "third: the numbers as the board approved them", "fourth, written while the history was open"],
};

async function versionsOf(server: TestServer): Promise<number> {
  const tree = (await (await server.adminFetch(`/api/tree?parentId=${ROOT}`)).json()) as { items: { nodeId: string; version: number }[] };
  return tree.items[0]?.version ?? 0;
}

describe.skipIf(!HAVE_BROWSER)("version history in the browser", () => {
  let server: TestServer;
  let dirs: Scratch;
  let home: PreparedHome;
  let agent: AgentRuntime;
  let tab: TestTab;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "syncagent-web-history-"));
    server = await startTestServer({ dataDir });
    dirs = await scratch();
    home = await prepareHome(server, dirs, "studio-desktop", true);
    const draft = join(home.folder, SECRETS.draft);
    await writeFile(draft, SECRETS.bodies[0]!);
    agent = await AgentRuntime.start({ paths: home.paths, env: home.env }, { delayMs: 0, notifications: false });
    await waitFor("the first version", async () => (await versionsOf(server)) === 1, 30_000);
    await writeFile(draft, SECRETS.bodies[1]!);
    await waitFor("the second version", async () => (await versionsOf(server)) === 2, 30_000);
    await writeFile(draft, SECRETS.bodies[2]!);
    await waitFor("the third version", async () => (await versionsOf(server)) === 3, 30_000);
    await rename(draft, join(home.folder, SECRETS.final));
    await waitFor("the rename", async () => (await versionsOf(server)) === 4, 30_000);
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

  it("locked, lists the versions with dates and stored sizes, and says names are locked", async () => {
    const { page } = tab;
    await page.locator(".file-row").first().waitFor();
    await page.getByRole("button", { name: "History of this file" }).click();
    const dialog = page.getByRole("dialog", { name: "History of a locked file" });
    await expect.poll(() => dialog.locator(".version-row").count()).toBe(4);
    expect(await dialog.locator(".version-name").allTextContents()).toEqual(["Locked name", "Locked name", "Locked name", "Locked name"]);
    expect(await dialog.getByRole("button", { name: /Restore version/ }).count()).toBe(0); // restoring needs the keys
    await dialog.getByText("Names are locked").waitFor();
    await screenshots(page, "history-locked");
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  it("unlocked, lists every version newest first under the name it had, by the machine that wrote it", async () => {
    const { page } = tab;
    await submitUnlock(page, PASSWORD);
    await page.getByText(SECRETS.final).waitFor();
    const button = page.getByRole("button", { name: `History of ${SECRETS.final}` });
    await button.focus(); // reachable from the keyboard
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `History of ${SECRETS.final}` });
    await expect.poll(() => dialog.locator(".version-row").count()).toBe(4);
    expect(await dialog.locator(".version-name").allTextContents()).toEqual([SECRETS.final, SECRETS.draft, SECRETS.draft, SECRETS.draft]);
    expect(await dialog.locator(".version-number").allTextContents()).toEqual(["Version 4", "Version 3", "Version 2", "Version 1"]);
    expect(await dialog.locator(".version-machine").allTextContents()).toEqual(Array(4).fill("studio-desktop"));
    const metas = await dialog.locator(".version-meta small").allTextContents();
    expect(metas[0]).toContain(`${SECRETS.bodies[2]!.length} B`); // the rename kept the third content
    expect(metas[3]).toContain(`${SECRETS.bodies[0]!.length} B`);
    await dialog.getByText("current").waitFor();
    await screenshots(page, "history");
  });

  it("refuses a restore when the file changed meanwhile, says so and lists it again", async () => {
    const { page } = tab;
    const dialog = page.getByRole("dialog", { name: `History of ${SECRETS.final}` });
    await writeFile(join(home.folder, SECRETS.final), SECRETS.bodies[3]!);
    await waitFor("the edit on the server", async () => (await versionsOf(server)) === 5, 30_000);
    await dialog.getByRole("button", { name: "Restore version 1" }).click();
    await dialog.getByRole("alert").getByText(/The file changed meanwhile/).waitFor();
    await expect.poll(() => dialog.locator(".version-row").count()).toBe(5);
    await screenshots(page, "history-conflict");
    expect(await readFile(join(home.folder, SECRETS.final), "utf8")).toBe(SECRETS.bodies[3]);
  });

  it("restores the first version, and its bytes come back on the agent's disk", async () => {
    const { page } = tab;
    const dialog = page.getByRole("dialog", { name: `History of ${SECRETS.final}` });
    await dialog.getByRole("button", { name: "Restore version 1" }).click();
    await dialog.getByText("Version 1 was restored as version 6").waitFor();
    await waitFor("the first version on the agent's disk", async () => (await readFile(join(home.folder, SECRETS.final), "utf8")) === SECRETS.bodies[0], 30_000);
    await expect.poll(() => dialog.locator(".version-row").count()).toBe(6);
    expect(await dialog.locator(".version-machine").first().textContent()).toBe("This browser");
    expect(await dialog.locator(".version-name").first().textContent()).toBe(SECRETS.final);
    await screenshots(page, "history-restored");
  });

  it("never sent a name, a content or the master password to the server", () => {
    const sent = tab.sent.join("\n");
    expect(tab.sent.some((body) => body.includes("baseVersion"))).toBe(true);
    for (const text of [SECRETS.draft, SECRETS.final, ...SECRETS.bodies]) expect(sent).not.toContain(text);
    expect(sent).not.toContain(PASSWORD);
  });
});
