/**
 * The server's structured log (S9): pino JSON lines to stdout and to a file,
 * with secrets redacted wherever they might appear.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import pino, { type Logger } from "pino";

/** Paths pino replaces with `[redacted]`: credentials never reach a log line. */
export const REDACTED_PATHS: readonly string[] = [
  "authorization",
  "cookie",
  "password",
  "token",
  "secret",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.token",
  "*.secret",
  "*.secretAccessKey",
  "*.databaseAuthToken",
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-csrf-token']",
  "res.headers['set-cookie']",
];

/** Longest a log line waits in the buffer, in milliseconds. */
export const FLUSH_MS = 250;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Log file path; its folder is created. Omit for stdout only. */
  file?: string;
  level?: string;
  /** Also write to stdout. @default true */
  stdout?: boolean;
}

/**
 * Creates the server logger.
 * @param options Where and how much to log.
 * @returns A pino logger; call `flush()` before exiting.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [];
  // Buffered, asynchronous writes: a log line never blocks a request on a pipe or disk.
  // Lines are gathered up to 8 KiB and flushed at least every FLUSH_MS.
  const destinations: ReturnType<typeof pino.destination>[] = [];
  if (options.stdout !== false) destinations.push(pino.destination({ dest: process.stdout.fd, sync: false, minLength: 8192 }));
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    destinations.push(pino.destination({ dest: options.file, sync: false, mkdir: true, minLength: 8192 }));
  }
  for (const stream of destinations) streams.push({ stream });
  // Flushed only when a line was written since the last flush: an idle flush still writes (an empty write each).
  let written = false;
  if (destinations.length > 0) {
    const timer = setInterval(() => {
      if (!written) return;
      written = false;
      for (const d of destinations) {
        try {
          d.flush();
        } catch {
          // not open yet: the next tick flushes
        }
      }
    }, FLUSH_MS);
    timer.unref();
  }
  const level = options.level ?? "info";
  return pino(
    {
      level,
      base: { service: "syncagent-server" },
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        streamWrite: (line: string) => {
          written = true;
          return line;
        },
      },
    },
    pino.multistream(
      streams.map((s) => ({ ...s, level: level as pino.Level })),
    ),
  );
}

/** Redacts credentials that may sit in a URL's query string (`?token=…`). */
export function redactUrl(pathAndQuery: string): string {
  return pathAndQuery.replace(/([?&](?:token|access_token|password|secret|key|invite|code)=)[^&#]*/gi, "$1[redacted]");
}
