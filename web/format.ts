/** Numbers a person reads: sizes, durations, dates. */

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/**
 * A size in bytes as text ("3.2 MB").
 * @param bytes The size.
 * @returns The text.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/**
 * How long ago a time was ("12 s ago", "3 min ago", "yesterday").
 * @param ms The time, ms since the epoch.
 * @param now The current time.
 * @returns The text.
 */
export function formatAgo(ms: number | null | undefined, now = Date.now()): string {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return d === 1 ? "yesterday" : `${d} days ago`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/**
 * A date and time in the reader's locale.
 * @param ms The time, ms since the epoch.
 * @returns The text.
 */
export function formatDate(ms: number | null | undefined): string {
  return ms ? dateFormat.format(ms) : "—";
}

/**
 * A transfer speed ("1.2 MB/s").
 * @param bps Bytes per second.
 * @returns The text.
 */
export function formatSpeed(bps: number | null | undefined): string {
  return bps ? `${formatBytes(bps)}/s` : "—";
}
