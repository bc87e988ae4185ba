import { describe, expect, it } from "vitest";
import { formatBytes, renderProgressLine, TransferBoard } from "../../../lib/agent/progress/transfers.ts";

describe("files in transfer and the progress line (A9)", () => {
  it("tracks each file's bytes and counts finished files once", () => {
    const board = new TransferBoard();
    board.progress("a/big.iso", 100, 1000, "upload");
    board.progress("a/big.iso", 600, 1000, "upload");
    board.progress("b.txt", 10, 40, "download");
    expect(board.active().map((t) => [t.path, t.direction, t.bytesDone, t.bytesTotal])).toEqual([
      ["a/big.iso", "upload", 600, 1000],
      ["b.txt", "download", 10, 40],
    ]);
    expect(board.totals().bytes).toBe(610);
    board.progress("b.txt", 40, 40, "download");
    board.finish("b.txt", "download");
    expect(board.active()).toHaveLength(1);
    expect(board.totals().files).toBe(1);
    expect(board.totals().bytesPerSecond).toBeGreaterThan(0);
  });

  it("renders a bar of the bytes of the files in transfer, directions and the current file", () => {
    const board = new TransferBoard();
    board.progress("docs/report.pdf", 50, 100, "upload");
    board.progress("x", 0, 100, "download");
    const line = renderProgressLine(board, 10);
    expect(line).toMatch(/^\[###-------\] {2}25% {2}↑1 ↓1 {2}0 done {2}.+\/s {2}docs\/report\.pdf$/);
    const long = new TransferBoard();
    long.progress("d/".repeat(40) + "file.bin", 1, 2, "upload");
    expect(renderProgressLine(long)).toMatch(/….*file\.bin$/);
    expect(renderProgressLine(new TransferBoard(), 4)).toMatch(/^\[####\] 100% {2}↑0 ↓0/);
  });

  it("formats byte counts for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1500)).toBe("1.5 KB");
    expect(formatBytes(12_300_000)).toBe("12.3 MB");
    expect(formatBytes(3e12)).toBe("3.0 TB");
  });
});
