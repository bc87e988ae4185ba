import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { twoAgentsPerTest } from "../helpers/engines.ts";

describe("a pass with nothing new does not plan again (A5)", () => {
  const pair = twoAgentsPerTest();

  it("takes the last answer while nothing changed, and plans as soon as the server, the disk or a failure does", async () => {
    const { a, b } = pair;
    await writeFile(join(a.root, "one.txt"), "one");
    await a.sync();
    await b.sync();
    // The last pass of a sync had nothing to do; nothing changed since.
    expect(await b.engine.pass()).toMatchObject({ planned: false, actions: 0, planMs: 0 });

    // A change on the server: planned, and carried out.
    await writeFile(join(a.root, "two.txt"), "two");
    await a.sync();
    expect(await b.engine.pass()).toMatchObject({ planned: true, actions: 1 });
    expect(await readFile(join(b.root, "two.txt"), "utf8")).toBe("two");
    // What it wrote is looked at again: the disk shows what was planned, so the next plan is empty; then quiet.
    expect(await b.engine.pass()).toMatchObject({ planned: true, actions: 0 });
    expect(await b.engine.pass()).toMatchObject({ planned: false, actions: 0 });

    // The watcher names a path that did not change: nothing to plan.
    b.engine.noteLocalChanges(["one.txt"]);
    expect(await b.engine.pass()).toMatchObject({ planned: false, actions: 0 });
    // It did change: planned and uploaded.
    await writeFile(join(b.root, "one.txt"), "one, edited on beta");
    b.engine.noteLocalChanges(["one.txt"]);
    expect(await b.engine.pass()).toMatchObject({ planned: true, actions: 1 });
    expect(await b.engine.pass()).toMatchObject({ planned: true, actions: 0 });
    expect(await b.engine.pass()).toMatchObject({ planned: false, actions: 0 });

    // A failure recorded meanwhile: planned again.
    await b.engine.failures.fail("elsewhere.txt", null, "disk full");
    expect(await b.engine.pass()).toMatchObject({ planned: true, actions: 0 });
    expect(await b.engine.pass()).toMatchObject({ planned: false, actions: 0 });

    // A full scan is a new scan: planned.
    b.engine.requestFullScan();
    expect(await b.engine.pass()).toMatchObject({ planned: true, actions: 0 });
    await a.sync();
    expect(await readFile(join(a.root, "one.txt"), "utf8")).toBe("one, edited on beta");
  });

  it("a paced sync still settles, every change applied (A5)", async () => {
    const { a, b } = pair;
    for (let i = 0; i < 5; i++) await writeFile(join(a.root, `f${i}.txt`), `content ${i}`);
    await a.sync();
    const summary = await b.engine.syncUntilSettled(20, { fullScan: false, waitUnstable: false, pace: true });
    expect(summary).toMatchObject({ actions: 0, failed: 0 });
    expect(summary.passes).toBeGreaterThan(1);
    for (let i = 0; i < 5; i++) expect(await readFile(join(b.root, `f${i}.txt`), "utf8")).toBe(`content ${i}`);
  });
});
