import { describe, expect, it } from "vitest";
import { byDepth, depthOf, dirOf, joinPath, liveResolver, nameOf, pathResolver } from "../../../lib/agent/coordinator/tree-paths.ts";
import { ROOT_NODE_ID } from "../../../lib/agent/tree/nodes.ts";

interface N {
  parentId: string;
  name: string;
  live?: boolean;
}

function tree(entries: Array<[string, N]>): Map<string, N> {
  return new Map(entries);
}

describe("pathResolver", () => {
  const nodes = tree([
    ["a", { parentId: ROOT_NODE_ID, name: "docs" }],
    ["b", { parentId: "a", name: "deep" }],
    ["c", { parentId: "b", name: "notes.md" }],
    ["t", { parentId: "a", name: "trashed", live: false }],
    ["u", { parentId: "t", name: "under" }],
    ["o", { parentId: "missing", name: "orphan" }],
    ["x", { parentId: "y", name: "x" }],
    ["y", { parentId: "x", name: "y" }],
    ["s", { parentId: "s", name: "self" }],
  ]);

  it("gives paths from the root, the root itself as empty", () => {
    const pathOf = pathResolver(nodes);
    expect(pathOf(ROOT_NODE_ID)).toBe("");
    expect(pathOf("a")).toBe("docs");
    expect(pathOf("c")).toBe("docs/deep/notes.md");
    expect(pathOf("b")).toBe("docs/deep");
  });

  it("gives null for unknown nodes, orphans and cycles", () => {
    const pathOf = pathResolver(nodes);
    expect(pathOf("nope")).toBeNull();
    expect(pathOf("o")).toBeNull();
    expect(pathOf("x")).toBeNull();
    expect(pathOf("y")).toBeNull();
    expect(pathOf("s")).toBeNull();
  });

  it("skips nodes that are not live, and everything below them", () => {
    const pathOf = pathResolver(nodes, (n) => n.live !== false);
    expect(pathOf("t")).toBeNull();
    expect(pathOf("u")).toBeNull();
    expect(pathOf("c")).toBe("docs/deep/notes.md");
    expect(pathResolver(nodes)("u")).toBe("docs/trashed/under");
  });

  it("gives the same answers top-down, where each parent is known before its children", () => {
    const pathOf = pathResolver(nodes, (n) => n.live !== false);
    expect(pathOf("a")).toBe("docs");
    expect(pathOf("t")).toBeNull();
    expect(pathOf("u")).toBeNull();
    expect(pathOf("b")).toBe("docs/deep");
    expect(pathOf("c")).toBe("docs/deep/notes.md");
    expect(pathOf("s")).toBeNull();
  });

  it("tells which nodes have a path without building it, in any order", () => {
    const isLive = (n: N) => n.live !== false;
    const ids = ["c", "u", "x", "a", "o", "b", "t", "s", "y", "nope", ROOT_NODE_ID];
    for (const order of [ids, [...ids].reverse()]) {
      const hasPath = liveResolver(nodes, isLive);
      const pathOf = pathResolver(nodes, isLive);
      expect(order.map((id) => hasPath(id))).toEqual(order.map((id) => pathOf(id) !== null));
    }
  });

  it("answers the same whatever order it is asked in (memoised)", () => {
    const first = pathResolver(nodes);
    const second = pathResolver(nodes);
    const ids = ["c", "u", "x", "a", "o", "b", "t"];
    const forward = ids.map((id) => first(id));
    const backward = [...ids].reverse().map((id) => second(id)).reverse();
    expect(backward).toEqual(forward);
  });

  it("handles a very deep tree without recursion", () => {
    const deep = new Map<string, N>();
    let parent = ROOT_NODE_ID;
    for (let i = 0; i < 20_000; i++) {
      deep.set(`n${i}`, { parentId: parent, name: "d" });
      parent = `n${i}`;
    }
    const path = pathResolver(deep)("n19999");
    expect(path).not.toBeNull();
    expect(depthOf(path!)).toBe(20_000);
  });
});

describe("path helpers", () => {
  it.each([
    ["a/b/c", "a/b", "c", 3],
    ["top", "", "top", 1],
    ["", "", "", 0],
    ["a/ b /c.d", "a/ b ", "c.d", 3],
  ])("%j", (path, dir, name, depth) => {
    expect(dirOf(path)).toBe(dir);
    expect(nameOf(path)).toBe(name);
    expect(depthOf(path)).toBe(depth);
    if (path !== "") expect(joinPath(dirOf(path), nameOf(path))).toBe(path);
  });

  it("joins onto the root without a slash", () => {
    expect(joinPath("", "x")).toBe("x");
    expect(joinPath("a/b", "x")).toBe("a/b/x");
  });
});

describe("byDepth", () => {
  it("orders shallowest first and keeps the order within a depth", () => {
    const paths = ["a/b/c", "x", "a/b", "y", "a/z", "", "q/r/s/t"];
    expect(byDepth(paths, depthOf)).toEqual(["", "x", "y", "a/b", "a/z", "a/b/c", "q/r/s/t"]);
    expect(byDepth([], depthOf)).toEqual([]);
  });
});
