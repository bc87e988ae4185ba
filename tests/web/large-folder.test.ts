/**
 * A folder of 10,000 files in the browser: sealed with the vault's keys by
 * the test (as an agent would) and committed over the API, then listed,
 * decrypted, sorted and filtered in the tab, and searched across the vault.
 * Measures how long the unlocked listing and the search take and saves
 * what they look like.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentHash, createVault, newNodeId, ROOT_NODE_ID, sealNodeRecord, toBase64Url, type NodeManifest } from "../../lib/crypto/mod.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { HAVE_BROWSER, openTab, signIn, submitUnlock, screenshots, type TestTab } from "./browser.ts";

const FILES = 10_000;
const MASTER = "the large folder's master password";

async function commit(server: TestServer, items: object[]): Promise<void> {
  const res = await server.adminFetch("/api/commits", { method: "POST", body: JSON.stringify({ items }) });
  const body = (await res.json()) as { results: { status: string }[] };
  expect(res.status).toBe(200);
  expect(body.results.every((r) => r.status === "ok")).toBe(true);
}

describe.skipIf(!HAVE_BROWSER)("a folder of 10,000 files", () => {
  let server: TestServer;
  let tab: TestTab;
  beforeAll(async () => {
    server = await startTestServer();
    const session = (await (await server.adminFetch("/api/auth/session")).json()) as { vaultId: string };
    const created = await createVault(MASTER, { vaultId: session.vaultId });
    const put = await server.adminFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: Buffer.from(created.keyFile).toString("base64"), version: 0 }) });
    expect(put.status).toBe(200);
    const keys = created.vault.keyring.current;
    const now = Date.now();
    const folder = newNodeId();
    const base = { size: 0, mode: 0o644, chunks: [], previous: "", machineId: "" };
    const dir: NodeManifest = { ...base, kind: "dir", name: "Scans 2019–2026", parentId: ROOT_NODE_ID, mtimeMs: now, contentHash: "", mode: 0o755 };
    const sealedDir = await sealNodeRecord(keys, { nodeId: folder, version: 1 }, dir);
    await commit(server, [{ opId: newNodeId(), nodeId: folder, parentId: ROOT_NODE_ID, baseVersion: 0, kind: "dir", encName: sealedDir.encName, manifest: toBase64Url(sealedDir.manifest) }]);
    const empty = await contentHash(keys, 0, []);
    for (let start = 0; start < FILES; start += 1000) {
      const items = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => {
          const n = start + i;
          const nodeId = newNodeId();
          const manifest: NodeManifest = { ...base, kind: "file", name: `scan ${String(n).padStart(5, "0")}.pdf`, parentId: folder, mtimeMs: now - n * 60_000, contentHash: empty };
          const sealed = await sealNodeRecord(keys, { nodeId, version: 1 }, manifest);
          return { opId: newNodeId(), nodeId, parentId: folder, baseVersion: 0, kind: "file", encName: sealed.encName, manifest: toBase64Url(sealed.manifest), chunks: [] };
        }),
      );
      await commit(server, items);
    }
    tab = await openTab();
    await signIn(tab.page, server);
  });
  afterAll(async () => {
    await tab?.close();
    await server?.close();
  });

  it("lists, decrypts, sorts and filters it in the tab", async () => {
    const { page } = tab;
    await submitUnlock(page, MASTER);
    await page.getByRole("link", { name: "Scans 2019–2026", exact: true }).click();
    const started = Date.now();
    await page.getByText(`${FILES} items, 500 shown`).waitFor({ timeout: 60_000 });
    const ms = Date.now() - started;
    console.log(`a folder of ${FILES} files: listed, decrypted and drawn in ${ms} ms`);
    expect(await page.locator(".file-row .file-name").first().textContent()).toBe("scan 00000.pdf");
    expect(await page.locator(".file-row").count()).toBe(500); // the rest on request
    await screenshots(page, "files-10000");
    await page.getByRole("button", { name: "Show 2000 more" }).click();
    await expect.poll(() => page.locator(".file-row").count()).toBe(2500);
    await page.getByRole("button", { name: "Modified" }).click();
    await expect.poll(() => page.locator(".file-row .file-name").first().textContent()).toBe(`scan ${String(FILES - 1).padStart(5, "0")}.pdf`);
    await page.getByPlaceholder("Filter by name").fill("scan 0999");
    await page.getByText("10 items matching").waitFor();
  });

  it("searches the whole vault's 10,001 names in the tab", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Search the vault" }).click();
    const started = Date.now();
    await page.getByText(`${FILES + 1} files and folders are searched here`, { exact: false }).waitFor({ timeout: 60_000 });
    const built = Date.now() - started;
    const input = page.getByPlaceholder("Search all files by name");
    const typed = Date.now();
    await input.fill("scan 0999");
    await page.getByText("10 results").waitFor();
    const answered = Date.now() - typed;
    await input.fill("scan");
    await page.getByText(`${FILES + 1} results, the first 200 shown`).waitFor(); // the folder's name matches too
    expect(await page.locator(".search-row").count()).toBe(200);
    expect(await page.locator(".search-row .col-folder").allTextContents()).toEqual(["All files", ...Array<string>(199).fill("All files / Scans 2019–2026")]);
    console.log(`searching ${FILES + 1} names: the index read and decrypted in ${built} ms (in the page: ${await page.evaluate(() => document.body.dataset.searchIndexMs)} ms), a query answered in ${answered} ms`);
    await screenshots(page, "search-10000");
  });
});
