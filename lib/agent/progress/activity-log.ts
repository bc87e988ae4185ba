/**
 * The running agent's recent activity: what woke it (a local change, the
 * server's feed, a retry, the periodic scan), each pass's plan and outcome,
 * and its state changes, as short lines in a bounded ring. It answers
 * "why is this machine still syncing?" from the control socket without a
 * debug build or a log file that would change the timing being looked at.
 * Lines may name files: they stay on this machine (the control socket is
 * the owner's alone).
 */

/** One line of activity. */
export interface ActivityLine {
  /** When, ms since the epoch (this machine's clock). */
  at: number;
  /** What happened. */
  line: string;
}

/** The default number of lines kept. */
export const ACTIVITY_LINES = 400;

/** A bounded log of recent activity: the newest lines win. */
export class ActivityLog {
  readonly #lines: ActivityLine[] = [];
  #next = 0;

  /**
   * @param capacity Lines kept. @default ACTIVITY_LINES
   * @param now The clock.
   */
  constructor(
    readonly capacity = ACTIVITY_LINES,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`An activity log keeps at least one line, not ${capacity}`);
  }

  /**
   * Adds a line (the oldest goes once the log is full).
   * @param line What happened.
   */
  add(line: string): void {
    const entry = { at: this.now(), line };
    if (this.#lines.length < this.capacity) this.#lines.push(entry);
    else this.#lines[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /**
   * The lines kept, oldest first.
   * @param last At most this many of the newest.
   * @returns A copy.
   */
  lines(last = this.capacity): ActivityLine[] {
    const ordered = this.#lines.length < this.capacity ? [...this.#lines] : [...this.#lines.slice(this.#next), ...this.#lines.slice(0, this.#next)];
    return ordered.slice(Math.max(0, ordered.length - last));
  }
}

/**
 * A short list of names for a line: the first few, then how many more.
 * @param names Paths or descriptions.
 * @param shown How many to name. @default 6
 * @returns Text such as `a, b, c +12`.
 */
export function someOf(names: Iterable<string>, shown = 6): string {
  const all = [...names];
  const head = all.slice(0, shown).join(", ");
  return all.length > shown ? `${head} +${all.length - shown}` : head;
}

/**
 * One plan step as a few words for the activity log (`upload a/b.txt`,
 * `move-local a → b`, `forget 3f…`).
 * @param action The step.
 * @param action.type Its kind.
 * @returns The words.
 */
export function describeAction(action: { type: string; path?: string; from?: string; to?: string; nodeId?: string }): string {
  if (action.from !== undefined && action.to !== undefined) return `${action.type} ${action.from} → ${action.to}`;
  if (action.path !== undefined) return `${action.type} ${action.path}`;
  return `${action.type} ${(action.nodeId ?? "").slice(0, 8)}`;
}

/**
 * The activity as text, one line each with its time of day (UTC).
 * @param lines The log's lines.
 * @returns Text for a terminal.
 */
export function formatActivity(lines: readonly ActivityLine[]): string {
  if (lines.length === 0) return "No activity yet.\n";
  return lines.map((l) => `${new Date(l.at).toISOString().slice(11, 23)}  ${l.line}\n`).join("");
}
