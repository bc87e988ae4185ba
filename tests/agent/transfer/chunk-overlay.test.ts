// The chunk index's view of its queued writes (K3), kept up to date one write at a time.
import { describe, expect, it } from "vitest";
import { ChunkOverlay } from "../../../lib/agent/transfer/chunk-overlay.ts";

const stamp = { size: 30, mtimeMs: 1.5, ino: 7, mode: 0o100644 };
const c = (n: number) => String(n).repeat(64).slice(0, 64);

describe("ChunkOverlay", () => {
  it("answers from the newest change of each path, whatever came before", () => {
    const overlay = ChunkOverlay.of([
      { kind: "record", relPath: "a", chunks: [{ id: c(1), size: 10 }, { id: c(2), size: 20 }], stamp },
      { kind: "record", relPath: "b", chunks: [{ id: c(2), size: 20 }], stamp: { ...stamp, ino: 8 } },
    ]);
    expect(overlay.size).toBe(2);
    expect(overlay.place(c(2))).toMatchObject({ relPath: "a", offset: 10, size: 20, stamp: { ino: 7 } });

    // a changes: its old chunks no longer answer, b still holds chunk 2.
    overlay.apply({ kind: "record", relPath: "a", chunks: [{ id: c(3), size: 5 }, { id: c(3), size: 5 }], stamp: { ...stamp, ino: 9 } });
    expect(overlay.place(c(1))).toBeUndefined();
    expect(overlay.place(c(2))).toMatchObject({ relPath: "b", offset: 0 });
    // A chunk twice in one file: its first place.
    expect(overlay.place(c(3))).toMatchObject({ relPath: "a", offset: 0, stamp: { ino: 9 } });

    overlay.apply({ kind: "forget", relPath: "b" });
    overlay.apply({ kind: "forget", relPath: "never" });
    expect(overlay.place(c(2))).toBeUndefined();
    expect(overlay.touches("b")).toBe(true);
    expect(overlay.touches("never")).toBe(true);
    expect(overlay.touches("other")).toBe(false);

    // Recorded again after a forget.
    overlay.apply({ kind: "record", relPath: "b", chunks: [{ id: c(2), size: 20 }], stamp });
    expect(overlay.place(c(2))?.relPath).toBe("b");
    expect(overlay.size).toBe(3);
  });
});
