/**
 * Reading secrets (passwords, a recovery key) from the person or the script
 * running a command: a prompt without echo on a terminal, or lines of
 * standard input (`--password-stdin`), or an environment variable. A secret
 * is never taken as a command-line flag (it would show in `ps`).
 */
import { Buffer } from "node:buffer";

/** Where secrets can come from. Tests pass their own. */
export interface Terminal {
  /** Standard input, read as lines for `--password-stdin`. */
  stdin: AsyncIterable<string | Uint8Array>;
  /** Whether a person is at a terminal to be prompted. */
  interactive: boolean;
  /**
   * Prompts without echo.
   * @param label The prompt, such as `Master password: `.
   * @returns What was typed, without the final newline.
   */
  promptHidden(label: string): Promise<string>;
}

/** No secret can be had: non-interactive, and neither the flag nor the variable was given. */
export class NoSecretError extends Error {
  override name = "NoSecretError";
}

/** One secret a command needs. */
export interface SecretRequest {
  /** Prompt label, such as `Master password`. */
  label: string;
  /** Environment variable that may hold it. */
  env: string;
  /** On a terminal, ask twice and compare (a new password). @default false */
  confirm?: boolean;
}

/**
 * Reads lines from a stream one at a time, keeping what was read past a line.
 * @param input The stream.
 * @returns A function giving the next line (without `\r\n`), or null at the end.
 */
export function lineReader(input: AsyncIterable<string | Uint8Array>): () => Promise<string | null> {
  const iterator = input[Symbol.asyncIterator]();
  let buffer = "";
  let done = false;
  return async () => {
    for (;;) {
      const newline = buffer.indexOf("\n");
      if (newline >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        return line;
      }
      if (done) {
        if (buffer === "") return null;
        const last = buffer;
        buffer = "";
        return last;
      }
      const next = await iterator.next();
      if (next.done) done = true;
      else buffer += typeof next.value === "string" ? next.value : Buffer.from(next.value).toString("utf8");
    }
  };
}

/**
 * Gives a command its secrets, in the order it asks for them: with
 * `--password-stdin`, each is the next line of standard input; otherwise its
 * environment variable, else a prompt on a terminal, else NoSecretError
 * naming both ways.
 */
export class SecretReader {
  private readonly nextLine: () => Promise<string | null>;

  /**
   * @param terminal Standard input and the prompt.
   * @param options `fromStdin`: `--password-stdin` was given; `env`: the environment.
   */
  constructor(
    private readonly terminal: Terminal,
    private readonly options: { fromStdin: boolean; env: Record<string, string | undefined> },
  ) {
    this.nextLine = lineReader(terminal.stdin);
  }

  /**
   * Reads one secret.
   * @param request Label, variable and whether to confirm.
   * @returns The secret.
   * @throws NoSecretError when none can be had; Error when a confirmation differs.
   */
  async read(request: SecretRequest): Promise<string> {
    if (this.options.fromStdin) {
      const line = await this.nextLine();
      if (line === null || line === "") throw new NoSecretError(`${request.label}: standard input ended before it (--password-stdin reads one line per secret)`);
      return line;
    }
    const fromEnv = this.options.env[request.env];
    if (fromEnv) return fromEnv;
    if (!this.terminal.interactive) {
      throw new NoSecretError(`${request.label} needed: pass it on standard input with --password-stdin, or set ${request.env}`);
    }
    const first = await this.terminal.promptHidden(`${request.label}: `);
    if (request.confirm) {
      const again = await this.terminal.promptHidden(`Confirm ${request.label.toLowerCase()}: `);
      if (again !== first) throw new Error(`${request.label}: the two entries differ; nothing was changed`);
    }
    return first;
  }
}

/**
 * The process's terminal: standard input, and a prompt on the controlling
 * terminal (raw mode, no echo) when both standard input and standard error
 * are terminals.
 * @returns The terminal.
 */
export function processTerminal(): Terminal {
  const interactive = process.stdin.isTTY && process.stderr.isTTY;
  return { stdin: process.stdin, interactive, promptHidden: (label) => promptHidden(label) };
}

function promptHidden(label: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = "";
    process.stderr.write(label);
    const finish = (error?: Error) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n" || char === "\u0004") return finish();
        if (char === "\u0003") return finish(new Error("Cancelled"));
        if (char === "\u007f" || char === "\b") typed = [...typed].slice(0, -1).join("");
        else if (char >= " ") typed += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on("data", onData);
  });
}
