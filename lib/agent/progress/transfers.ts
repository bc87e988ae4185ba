/**
 * Files in transfer and how far each is (A9): fed by the transfer
 * callbacks, read by the progress bar, `status` and the reports.
 */

/** One file being transferred. */
export interface Transfer {
  path: string;
  direction: "upload" | "download";
  bytesDone: number;
  bytesTotal: number;
  startedAt: number;
}

/** The files in transfer now, and totals of the run. */
export class TransferBoard {
  readonly #active = new Map<string, Transfer>();
  #bytesMoved = 0;
  #filesDone = 0;
  readonly #started = Date.now();

  /**
   * Records progress of one file.
   * @param path The file.
   * @param done Bytes done.
   * @param total Bytes in all.
   * @param direction Up or down.
   */
  progress(path: string, done: number, total: number, direction: "upload" | "download"): void {
    const key = `${direction}:${path}`;
    const t = this.#active.get(key);
    if (t) {
      this.#bytesMoved += Math.max(0, done - t.bytesDone);
      t.bytesDone = done;
      t.bytesTotal = total;
    } else {
      this.#bytesMoved += done;
      this.#active.set(key, { path, direction, bytesDone: done, bytesTotal: total, startedAt: Date.now() });
    }
    if (done >= total) this.finish(path, direction);
  }

  /**
   * Marks a file done (or abandoned).
   * @param path The file.
   * @param direction Up or down.
   */
  finish(path: string, direction: "upload" | "download"): void {
    if (this.#active.delete(`${direction}:${path}`)) this.#filesDone++;
  }

  /** @returns The files in transfer, oldest first. */
  active(): Transfer[] {
    return [...this.#active.values()];
  }

  /** @returns Bytes moved and files finished since the board was made, and the average speed. */
  totals(): { bytes: number; files: number; bytesPerSecond: number } {
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    return { bytes: this.#bytesMoved, files: this.#filesDone, bytesPerSecond: this.#bytesMoved / seconds };
  }
}

/**
 * Formats bytes for people.
 * @param bytes A count.
 * @returns `12.3 MB`, `512 B`…
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * One line of progress: files in transfer, a bar of the bytes of those files, speed.
 * @param board The board.
 * @param width Bar width in characters. @default 24
 * @returns The line (no newline).
 */
export function renderProgressLine(board: TransferBoard, width = 24): string {
  const active = board.active();
  const done = active.reduce((s, t) => s + t.bytesDone, 0);
  const total = active.reduce((s, t) => s + t.bytesTotal, 0);
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const up = active.filter((t) => t.direction === "upload").length;
  const down = active.length - up;
  const totals = board.totals();
  const current = active[0] ? `  ${active[0].path.length > 40 ? "…" + active[0].path.slice(-39) : active[0].path}` : "";
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ↑${up} ↓${down}  ${totals.files} done  ${formatBytes(totals.bytesPerSecond)}/s${current}`;
}
