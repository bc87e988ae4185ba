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
  if (options.stdout !== false) streams.push({ stream: process.stdout });
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ stream: pino.destination({ dest: options.file, sync: false, mkdir: true }) });
  }
  const level = options.level ?? "info";
  return pino(
    {
      level,
      base: { service: "syncagent-server" },
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
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
