/** Searching names across the vault, without a browser or keys. */
import { describe, expect, it } from "vitest";
import { buildIndex, liveNodes, search, searchKey, type Named } from "../../web/search-match.ts";

const ROOT = "0".repeat(32);
const id = (n: number) => n.toString(16).padStart(32, "0");

describe("the vault-wide search", () => {
  it("keeps only nodes whose folders are all live", () => {
    const nodes = [
      { nodeId: id(1), parentId: ROOT, kind: "dir" as const },
      { nodeId: id(2), parentId: id(1), kind: "file" as const },
      { nodeId: id(3), parentId: ROOT, kind: "delete" as const },
      { nodeId: id(4), parentId: id(3), kind: "dir" as const },
      { nodeId: id(5), parentId: id(4), kind: "file" as const },
      { nodeId: id(6), parentId: id(99), kind: "file" as const },
      { nodeId: id(7), parentId: id(8), kind: "dir" as const },
      { nodeId: id(8), parentId: id(7), kind: "dir" as const },
    ];
    expect([...liveNodes(nodes)].sort()).toEqual([id(1), id(2)]);
  });

  it("gives each entry its folder path and matches without case or accents", () => {
    const named: Named[] = [
      { nodeId: id(1), parentId: ROOT, kind: "dir", name: "Photos", size: 0, modifiedAt: 1 },
      { nodeId: id(2), parentId: id(1), kind: "dir", name: "Été 2026", size: 0, modifiedAt: 1 },
      { nodeId: id(3), parentId: id(2), kind: "file", name: "beach report.txt", size: 5, modifiedAt: 1 },
      { nodeId: id(4), parentId: ROOT, kind: "file", name: "Report.pdf", size: 5, modifiedAt: 1 },
    ];
    const index = buildIndex(named);
    expect(index.find((e) => e.nodeId === id(3))).toMatchObject({ chain: [id(1), id(2)], path: "Photos / Été 2026" });
    expect(index.find((e) => e.nodeId === id(4))).toMatchObject({ chain: [], path: "" });
    const found = search(index, "REPORT", 10);
    expect(found.total).toBe(2);
    expect(found.matches.map((m) => m.name)).toEqual(["Report.pdf", "beach report.txt"]); // a name starting with it first
    expect(search(index, "ete", 10).matches.map((m) => m.name)).toEqual(["Été 2026"]);
    expect(search(index, "  ", 10)).toEqual({ matches: [], total: 0 });
    expect(search(index, "r", 1)).toMatchObject({ total: 2 });
    expect(searchKey("Ä\u0301")).toBe("a");
  });
});
