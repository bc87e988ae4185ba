/**
 * The server's SQL, written for SQLite, as PostgreSQL reads it (S2). The
 * statements keep one text for both databases; the few differences are
 * rewritten here, in one place, and nowhere else:
 *
 * - `?` placeholders become `$1, $2, …`;
 * - `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`;
 * - the scalar `max(a, b, …)` / `min(a, b, …)` become `GREATEST` / `LEAST`
 *   (one argument stays the aggregate);
 * - types, in a table's column definitions and in `CAST(… AS type)`:
 *   `INTEGER` is `BIGINT` (times in ms and sizes pass 2³¹), `BLOB` is
 *   `BYTEA`, `REAL` is `DOUBLE PRECISION`; a table's `INTEGER PRIMARY KEY
 *   AUTOINCREMENT` is an identity column, and `STRICT` is dropped (PostgreSQL
 *   is strict already);
 * - in a table's definition `TEXT` is `TEXT COLLATE "C"`: ids and cursors
 *   compare byte by byte as in SQLite, whatever the database's locale;
 * - `COLLATE BINARY` (SQLite's byte order, written where a value's
 *   collation must match such a column, as a recursive query's first term)
 *   is `COLLATE "C"`;
 * - `json_extract(column, '$.key')` is `(column::jsonb ->> 'key')`;
 * - `PRAGMA` statements are SQLite's tuning and mean nothing here: they are
 *   skipped.
 *
 * String literals and quoted identifiers are left as written; comments are dropped.
 * What this does not cover is written per dialect beside its query, with
 * {@link isPostgres} (lib/db/sql-dialect.ts).
 */

/** A statement as PostgreSQL runs it, or `null` for one with nothing to do there. */
export type Translated = string | null;

const MASK = "\uE000";

/** Splits off string literals and quoted identifiers and drops comments, so rewrites touch the SQL's own words only. */
function mask(sql: string): { code: string; kept: string[] } {
  const kept: string[] = [];
  let code = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    let end = -1;
    if (c === "'" || c === '"') {
      end = i + 1;
      for (;;) {
        const close = sql.indexOf(c, end);
        if (close < 0) throw new SyntaxError(`Unterminated ${c === "'" ? "string" : "identifier"} in SQL: ${sql.slice(0, 80)}`);
        if (sql[close + 1] === c) {
          end = close + 2;
          continue;
        }
        end = close + 1;
        break;
      }
    } else if (c === "-" && sql[i + 1] === "-") {
      const nl = sql.indexOf("\n", i);
      end = nl < 0 ? sql.length : nl;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      end = close < 0 ? sql.length : close + 2;
    }
    if (end < 0) {
      code += c;
      i++;
      continue;
    }
    if (c === "-" || c === "/") {
      code += " "; // a comment: dropped
      i = end;
      continue;
    }
    code += `${MASK}${kept.length}${MASK}`;
    kept.push(sql.slice(i, end));
    i = end;
  }
  return { code, kept };
}

function unmask(code: string, kept: readonly string[]): string {
  return code.replace(/\uE000(\d+)\uE000/g, (_m, n: string) => kept[Number(n)] as string);
}

/** The index just past the parenthesis that closes the one at `open`, and the top-level commas inside. */
function closing(code: string, open: number): { end: number; commas: number } {
  let depth = 0;
  let commas = 0;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth === 0) return { end: i + 1, commas };
    } else if (c === "," && depth === 1) commas++;
  }
  throw new SyntaxError(`Unbalanced parentheses in SQL: ${code.slice(0, 80)}`);
}

function scalarMinMax(code: string): string {
  const call = /\b(max|min)\s*\(/gi;
  let out = "";
  let from = 0;
  for (let m = call.exec(code); m; m = call.exec(code)) {
    const open = m.index + m[0].length - 1;
    const { commas } = closing(code, open);
    if (commas === 0) continue;
    out += code.slice(from, m.index) + ((m[1] as string).toLowerCase() === "max" ? "GREATEST" : "LEAST") + "(";
    from = open + 1;
  }
  return out + code.slice(from);
}

/** The index of a top-level `RETURNING`, or the end. */
function tailAt(code: string): number {
  const re = /\bRETURNING\b/gi;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    let depth = 0;
    for (let i = 0; i < m.index; i++) depth += code[i] === "(" ? 1 : code[i] === ")" ? -1 : 0;
    if (depth === 0) return m.index;
  }
  return code.replace(/[\s;]+$/, "").length;
}

const TYPE = "(INTEGER|BLOB|REAL|TEXT)";

function pgType(type: string, table: boolean): string {
  switch (type.toUpperCase()) {
    case "INTEGER":
      return "BIGINT";
    case "BLOB":
      return "BYTEA";
    case "REAL":
      return "DOUBLE PRECISION";
    default:
      return table ? 'TEXT COLLATE "C"' : "TEXT";
  }
}

/** Column types, where a type is written: a table's column definitions and `CAST(… AS type)`. */
function types(code: string, table: boolean): string {
  let out = code.replace(new RegExp(`\\bAS\\s+${TYPE}\\b`, "gi"), (_m, type: string) => `AS ${pgType(type, false)}`);
  if (!table) return out;
  out = out
    .replace(/\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b/gi, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    .replace(new RegExp(`([(,]\\s*[A-Za-z_]\\w*\\s+)${TYPE}\\b`, "gi"), (_m, head: string, type: string) => head + pgType(type, true))
    .replace(new RegExp(`(\\bADD\\s+COLUMN\\s+[A-Za-z_]\\w*\\s+)${TYPE}\\b`, "gi"), (_m, head: string, type: string) => head + pgType(type, true))
    .replace(/\)\s*STRICT\s*$/i, ")");
  return out;
}

/**
 * One statement in PostgreSQL's words.
 * @param sql The statement as written for SQLite.
 * @returns The statement for PostgreSQL, or `null` when it has nothing to do there (a `PRAGMA`).
 * @throws SyntaxError for an unterminated literal or unbalanced parentheses.
 */
export function toPostgres(sql: string): Translated {
  const { code: masked, kept } = mask(sql);
  if (/^\s*PRAGMA\b/i.test(masked)) return null;
  let code = masked;
  const table = /^\s*(CREATE\s+TABLE|ALTER\s+TABLE)\b/i.test(code);
  code = types(code, table);
  if (/\bINSERT\s+OR\s+REPLACE\b/i.test(code)) throw new SyntaxError("INSERT OR REPLACE has no PostgreSQL form here: write ON CONFLICT … DO UPDATE");
  if (/\bINSERT\s+OR\s+IGNORE\s+INTO\b/i.test(code)) {
    code = code.replace(/\bINSERT\s+OR\s+IGNORE\s+INTO\b/i, "INSERT INTO");
    const at = tailAt(code);
    code = `${code.slice(0, at).trimEnd()} ON CONFLICT DO NOTHING${at < code.length ? " " + code.slice(at) : ""}`;
  }
  code = scalarMinMax(code);
  code = code.replace(/\bCOLLATE\s+BINARY\b/gi, 'COLLATE "C"');
  code = code.replace(/\bjson_extract\(\s*([A-Za-z_][\w.]*)\s*,\s*\uE000(\d+)\uE000\s*\)/gi, (whole, column: string, n: string) => {
    const key = /^'\$\.([A-Za-z_]\w*)'$/.exec(kept[Number(n)] as string)?.[1];
    if (!key) throw new SyntaxError(`json_extract with a path other than '$.key' has no PostgreSQL form here: ${whole}`);
    return `(${column}::jsonb ->> '${key}')`;
  });
  let n = 0;
  code = code.replace(/\?/g, () => `$${++n}`);
  return unmask(code, kept);
}

const cache = new Map<string, Translated>();
const CACHE_MAX = 2000;

/**
 * {@link toPostgres}, remembered: the server runs the same few hundred texts again and again.
 * @param sql The statement as written for SQLite.
 * @returns The statement for PostgreSQL, or `null`.
 */
export function toPostgresCached(sql: string): Translated {
  const hit = cache.get(sql);
  if (hit !== undefined) return hit;
  const out = toPostgres(sql);
  // Texts built with many placeholders (multi-row inserts) vary in length; keep the cache bounded.
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(sql, out);
  return out;
}
