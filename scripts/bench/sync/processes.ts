/**
 * The processes of the sync benchmark: a real `syncagent server` child on
 * 127.0.0.1, its admin made through `POST /api/setup`, invitations through
 * `POST /api/invitations`, agent homes made with the real CLI (`init`, then
 * `register`), and `syncagent agent` children whose peak RSS is sampled
 * from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The project root (where main.ts is). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The master password every benchmark vault uses (key store `none`). */
export const BENCH_PASSWORD = "benchmark vault password 1";

const ADMIN = { username: "admin", password: "benchmark admin password 1" };

/** A running server child with its admin session. */
export interface BenchServer {
  url: string;
  pid: number;
  /** Makes an invitation code as the admin. */
  invite(): Promise<string>;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A Node flag that has an agent log its memory (`mem rss=… heap=… external=… arrayBuffers=…`, MiB) on stderr every
 * 250 ms: where the resident set goes (JS heap, or buffers outside it).
 */
export const MEMORY_PROBE_FLAG =
  "--import=data:text/javascript,const t=setInterval(()=>{const m=process.memoryUsage(),f=(n)=>Math.round(n/1048576);" +
  "process.stderr.write(`mem rss=${f(m.rss)} heap=${f(m.heapUsed)} external=${f(m.external)} arrayBuffers=${f(m.arrayBuffers)}\\n`)},250);t.unref();";

/** A compiled `syncagent` to run instead of the sources (SYNCAGENT_BENCH_BIN=dist/syncagent): the product as shipped. */
const BINARY = process.env.SYNCAGENT_BENCH_BIN;

function cliArgs(args: string[], nodeFlags: string[] = []): string[] {
  return BINARY ? args : [...nodeFlags, "--import", "tsx", "main.ts", ...args];
}

/** The program every child runs: the compiled binary when given, else Node on the sources. */
const PROGRAM = BINARY ?? process.execPath;

/**
 * Waits for a child to exit, killing it after `graceMs`.
 * @param child The child.
 * @param graceMs Time allowed after SIGTERM.
 * @returns The exit code (null when killed by a signal).
 */
export function stopChild(child: ChildProcess, graceMs = 60_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`bench: pid ${child.pid} did not stop within ${graceMs} ms: SIGKILL\n`);
      child.kill("SIGKILL");
    }, graceMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}

/**
 * Starts `syncagent server` on 127.0.0.1 with a free port and creates its admin.
 * @param dataDir The server's data folder.
 * @param nodeFlags Extra Node flags (`--cpu-prof`, …).
 * @returns The running server.
 */
export async function startBenchServer(dataDir: string, nodeFlags: string[] = []): Promise<BenchServer> {
  const child = spawn(PROGRAM, cliArgs(["server", "--data-dir", dataDir, "--port", "0", "--host", "127.0.0.1", "--log-level", "warn"], nodeFlags), {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  child.stdout?.resume();
  const setup = await fetch(`${url}/api/setup`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify(ADMIN),
  });
  if (setup.status !== 201) throw new Error(`setup: ${setup.status} ${await setup.text()}`);
  const cookie = (setup.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const { csrfToken } = (await setup.json()) as { csrfToken: string };
  return {
    url,
    pid: child.pid ?? 0,
    async invite() {
      const res = await fetch(`${url}/api/invitations`, { method: "POST", headers: { cookie, "x-csrf-token": csrfToken, origin: url } });
      if (res.status !== 201) throw new Error(`invitation: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { code: string }).code;
    },
    async stop() {
      await stopChild(child, 30_000);
    },
  };
}

/** What a finished CLI run gave. */
export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  /** Wall time of the process, start included, in seconds. */
  seconds: number;
  /** Peak RSS of the process in MiB (VmHWM read just before it ended; 0 if missed). */
  peakRssMB: number;
}

/**
 * Runs one `syncagent` command as a child process.
 * @param args The command line after `main.ts`.
 * @param env Extra environment.
 * @returns Its exit code, output and wall time.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(PROGRAM, cliArgs(args), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const rss = new RssSampler(child.pid ?? 0);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  rss.stop();
  return { code, out, err, seconds: (performance.now() - started) / 1000, peakRssMB: rss.peakMB };
}

/** An agent home made by the CLI. */
export interface BenchHome {
  name: string;
  home: string;
  folder: string;
}

/**
 * Makes an agent home the way a user does: `init` for the first machine, `register` for the others.
 * @param server The server.
 * @param home The home folder.
 * @param folder The sync folder.
 * @param name The machine name.
 * @param first Whether this machine creates the vault.
 * @returns The home.
 */
export async function makeHome(server: BenchServer, home: string, folder: string, name: string, first: boolean): Promise<BenchHome> {
  const args = [first ? "init" : "register", "--home", home, "--server", server.url, "--invite", await server.invite(), "--sync-folder", folder, "--name", name, "--key-store", "none"];
  const run = await runCli(args, { SYNCAGENT_PASSWORD: BENCH_PASSWORD });
  if (run.code !== 0) throw new Error(`${args[0]} ${name} failed (${run.code}): ${run.err}${run.out}`);
  return { name, home, folder };
}

/**
 * CPU time of a process (user + system), from /proc/<pid>/stat, assuming 100 clock ticks per second.
 * @param pid The process.
 * @returns Seconds, or null when it is gone.
 */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Math.round(Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Samples a process's resident set every 100 ms and keeps the peak (VmHWM and VmRSS). */
export class RssSampler {
  private peakKiB = 0;
  private readonly timer: NodeJS.Timeout;

  /**
   * Starts sampling.
   * @param pid The process.
   */
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => void this.sample(), 100);
    this.timer.unref();
    void this.sample();
  }

  /**
   * Reads /proc/<pid>/status once.
   * @returns Nothing; the peak is updated.
   */
  async sample(): Promise<void> {
    try {
      const status = await readFile(`/proc/${this.pid}/status`, "utf8");
      for (const key of ["VmHWM", "VmRSS"]) {
        const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
        if (m?.[1]) this.peakKiB = Math.max(this.peakKiB, Number(m[1]));
      }
    } catch {
      // the process is gone: keep the last peak
    }
  }

  /**
   * CPU time the process used so far (user + system, all threads), from /proc/<pid>/stat.
   * @returns Seconds, or null when the process is gone.
   */
  async cpuSeconds(): Promise<number | null> {
    return processCpuSeconds(this.pid);
  }

  /** Peak resident set in MiB. */
  get peakMB(): number {
    return Math.round((this.peakKiB / 1024) * 10) / 10;
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.timer);
  }
}

/** A running `syncagent agent`. */
export interface BenchAgent {
  home: BenchHome;
  pid: number;
  rss: RssSampler;
  /** Stops the agent (SIGTERM, clean shutdown) and returns its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `syncagent agent --home H --delay 0` as a child process; its log goes to `logFile`.
 * @param home The home.
 * @param log Receives the agent's stderr lines.
 * @param nodeFlags Extra Node flags (`--cpu-prof`, …).
 * @returns The running agent.
 */
export function startAgent(home: BenchHome, log: (line: string) => void, nodeFlags: string[] = []): BenchAgent {
  const child = spawn(PROGRAM, cliArgs(["agent", "--home", home.home, "--delay", "0"], nodeFlags), {
    cwd: ROOT,
    env: { ...process.env, SYNCAGENT_PASSWORD: BENCH_PASSWORD },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let pending = "";
  const onData = (d: Buffer): void => {
    pending += d.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) log(`${home.name}: ${line}`);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  child.once("exit", (code, signal) => {
    if (code !== 0) log(`${home.name}: agent exited code=${code} signal=${signal}`);
  });
  const rss = new RssSampler(child.pid ?? 0);
  return {
    home,
    pid: child.pid ?? 0,
    rss,
    async stop() {
      await rss.sample();
      const code = await stopChild(child);
      rss.stop();
      return code;
    },
  };
}
