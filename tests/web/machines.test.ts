/**
 * Machines and invitations in the browser against a real server: rename a
 * machine and see it everywhere, remove one after the confirmation (and
 * the password asked again), create an invitation whose code is shown
 * once with the command to run, revoke one; and the phone layout, whose
 * places sit behind a menu.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { HAVE_BROWSER, openTab, signIn, screenshots, VIEWPORTS, type TestTab } from "./browser.ts";

interface ListedInvitation {
  id: string;
  state: string;
}

describe.skipIf(!HAVE_BROWSER)("machines and invitations in the browser", () => {
  let server: TestServer;
  let tab: TestTab;
  beforeAll(async () => {
    server = await startTestServer();
    await server.registerMachine("kitchen-mini");
    tab = await openTab();
    await signIn(tab.page, server);
  });
  afterAll(async () => {
    await tab?.close();
    await server?.close();
  });

  it("renames a machine, and the new name is what the server stores", async () => {
    const { page } = tab;
    await page.getByRole("link", { name: "Machines" }).click();
    await page.waitForURL(/\/machines$/);
    await page.getByText("kitchen-mini").waitFor();
    await screenshots(page, "machines");
    await page.getByRole("button", { name: "Rename kitchen-mini" }).click();
    await page.getByLabel("Name", { exact: true }).waitFor(); // visible: the dialog is open (modal)
    await page.keyboard.press("Escape"); // a dialog closes with Escape
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Rename kitchen-mini" }).click();
    await page.getByLabel("Name", { exact: true }).fill("  Kitchen Mac mini  ");
    await screenshots(page, "machines-rename");
    await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
    await page.getByText("Kitchen Mac mini").waitFor();
    const listed = (await (await server.adminFetch("/api/machines")).json()) as { machines: { name: string }[] };
    expect(listed.machines.map((m) => m.name)).toContain("Kitchen Mac mini");
  });

  it("removes a machine after a confirmation that names it, asking for the password again", async () => {
    const { page } = tab;
    server.clock.advance(10 * 60_000); // the sign-in's password is older than the 5 minutes removal trusts
    await page.getByRole("button", { name: "Remove Kitchen Mac mini" }).click();
    await page.getByRole("dialog").getByText("stops syncing at once").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Remove machine" }).click();
    await page.getByLabel("Your account password").fill(server.password);
    await screenshots(page, "machines-remove");
    await page.getByRole("dialog").getByRole("button", { name: "Remove machine" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await expect.poll(() => page.getByText("Kitchen Mac mini").count()).toBe(0);
    const listed = (await (await server.adminFetch("/api/machines")).json()) as { machines: { name: string }[] };
    expect(listed.machines.map((m) => m.name)).toEqual(["laptop"]);
  });

  it("creates an invitation whose code is shown once with the command, and revokes one", async () => {
    const { page, context } = tab;
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.getByRole("link", { name: "Invitations" }).click();
    await page.waitForURL(/\/invitations$/);
    await page.locator(".invitation-row").first().waitFor();
    // The vault has no key yet: the first machine creates it with `init`.
    await page.getByRole("button", { name: "New invitation" }).click();
    const first = (await page.getByTestId("invite-code").textContent()) ?? "";
    await page.getByText(`syncagent init --server ${server.url} --invite ${first}`).waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    const key = await server.machineFetch("/api/vault/key", { method: "PUT", body: JSON.stringify({ blob: Buffer.from("a key file").toString("base64"), version: 0 }) });
    expect(key.status).toBe(200);
    // Once it has one, the others `register`.
    await page.getByRole("button", { name: "New invitation" }).click();
    const code = (await page.getByTestId("invite-code").textContent()) ?? "";
    expect(code).toMatch(/^sai_/);
    expect(code).not.toBe(first);
    await page.getByText(`syncagent register --server ${server.url} --invite ${code}`).waitFor();
    await screenshots(page, "invitation-created");
    await page.getByRole("button", { name: "Copy the command" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`syncagent register --server ${server.url} --invite ${code}`);
    await page.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => page.getByText(code).count()).toBe(0); // shown once only
    const before = ((await (await server.adminFetch("/api/invitations")).json()) as { invitations: ListedInvitation[] }).invitations;
    expect(before.filter((i) => i.state === "pending")).toHaveLength(2);
    await screenshots(page, "invitations");
    await page.getByRole("button", { name: "Revoke" }).first().click(); // the newest first
    await page.getByRole("dialog").getByText("Its code stops working").waitFor();
    await page.getByRole("button", { name: "Revoke invitation" }).click();
    await page.locator('.invitation-row[data-state="revoked"]').waitFor();
    const after = ((await (await server.adminFetch("/api/invitations")).json()) as { invitations: ListedInvitation[] }).invitations;
    expect(after.filter((i) => i.state === "pending")).toHaveLength(1);
    const registered = await fetch(server.url + "/api/machines/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invitation: code, name: "thief", platform: "linux" }),
    });
    expect(registered.status).toBe(410);
  });

  it("puts the places behind a menu on a phone", async () => {
    const { page } = tab;
    await page.setViewportSize(VIEWPORTS.phone);
    await page.goto(server.url + "/machines");
    await page.getByText("laptop").waitFor();
    const nav = page.getByRole("navigation", { name: "Places" });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await nav.getByRole("link", { name: "Invitations" }).waitFor();
    await screenshots(page, "phone-menu");
    await page.setViewportSize(VIEWPORTS.phone); // the menu stays open across the screenshots
    await nav.getByRole("link", { name: "Invitations" }).click();
    await page.waitForURL(/\/invitations$/);
    await expect.poll(() => nav.isVisible()).toBe(false);
    for (const place of ["activity", "conflicts", "trash", "settings"] as const) {
      await page.setViewportSize(VIEWPORTS.desktop);
      await page.goto(`${server.url}/${place}`);
      await page.locator(".page").first().waitFor();
      await screenshots(page, place === "activity" ? "activity-empty" : place);
    }
  });
});
