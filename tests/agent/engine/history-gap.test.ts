import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { twoAgentsPerTest } from "../helpers/engines.ts";

describe("versions skipped by a snapshot are fetched and checked as a chain (C6, S7)", () => {
  const pair = twoAgentsPerTest();

  it("a machine whose cursor the log no longer continues reads the snapshot and accepts v1 → v3 through the history", async () => {
    const { a, b } = pair;
    await writeFile(join(a.root, "notes.txt"), "v1");
    await a.sync();
    await b.sync();
    for (const text of ["v2", "v3 final"]) {
      await writeFile(join(a.root, "notes.txt"), text);
      await a.sync();
    }
    // B's cursor now lies past the log (as after a server restore or a lost state): the server answers 410.
    await b.engine.meta.set("cursor", "999999999");
    await b.restart();
    const refusals: unknown[] = [];
    await b.sync();
    for (const e of b.events) if (e.type === "refused") refusals.push(e);
    expect(refusals).toEqual([]);
    expect(await readFile(join(b.root, "notes.txt"), "utf8")).toBe("v3 final");
    const node = [...b.engine.remote.nodes.values()].find((n) => n.name === "notes.txt");
    expect(node?.version).toBe(3);
  });
});
