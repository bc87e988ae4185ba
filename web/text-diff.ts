/**
 * A line diff of two texts, computed in the tab (the conflict view): the
 * longest common subsequence of lines after the common start and end are
 * set apart. Texts too long for the table are compared line by line in
 * order instead (still correct, less tidy).
 */

/** One line of the diff: kept in both, only in the first text, or only in the second. */
export interface DiffLine {
  op: "same" | "removed" | "added";
  text: string;
  /** Its line number in the first text (1-based), for `same` and `removed`. */
  a?: number;
  /** Its line number in the second text (1-based), for `same` and `added`. */
  b?: number;
}

/** Past this many cells (lines × lines of the middle part) the table is not built. */
const MAX_CELLS = 4_000_000;

/**
 * Splits a text into lines (a final newline ends the last line, it does not start another).
 * @param text The text.
 * @returns The lines.
 */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * The line diff from `before` to `after`.
 * @param before The first text.
 * @param after The second text.
 * @returns The lines in order.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ op: "same", text: a[i]!, a: i + 1, b: i + 1 });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) out.push({ op: "removed", text: a[i]!, a: i + 1 });
    for (let j = start; j < endB; j++) out.push({ op: "added", text: b[j]!, b: j + 1 });
  } else {
    // lcs[i][j]: the longest common subsequence of a[start+i..endA) and b[start+j..endB).
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i]![j] = a[start + i] === b[start + j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        out.push({ op: "same", text: a[start + i]!, a: start + i + 1, b: start + j + 1 });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
        out.push({ op: "removed", text: a[start + i]!, a: start + i + 1 });
        i++;
      } else {
        out.push({ op: "added", text: b[start + j]!, b: start + j + 1 });
        j++;
      }
    }
  }
  for (let k = 0; endA + k < a.length; k++) out.push({ op: "same", text: a[endA + k]!, a: endA + k + 1, b: endB + k + 1 });
  return out;
}

/**
 * Reads bytes as text when they look like text: UTF-8 without NUL bytes.
 * @param bytes The content.
 * @returns The text, or null for a binary.
 */
export function asText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
