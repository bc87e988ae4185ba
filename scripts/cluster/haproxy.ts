/**
 * HAProxy in front of the server processes: the configuration docs/deploy.md
 * shows (HTTP and WebSocket on one frontend, health checks on
 * `/api/health`, a retry on another process when a connection to one
 * fails), and a foreground `haproxy` process for the cluster check.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { waitForPort } from "./ports.ts";

/** One server process behind the balancer. */
export interface Backend {
  name: string;
  host: string;
  port: number;
}

/** What the configuration needs. */
export interface HaproxyConfigOptions {
  /** Address and port the balancer listens on, e.g. `127.0.0.1:8443`. */
  bind: string;
  backends: Backend[];
  /** A PEM with certificate and key: the frontend speaks HTTPS (TLS ends here). */
  tlsPem?: string;
  /** Connections at once (each needs two descriptors: keep under half of `ulimit -n`). @default 8000 */
  maxConnections?: number;
}

/**
 * The HAProxy configuration for N server processes.
 * @param options Where to listen, the processes, TLS.
 * @returns The configuration file's text.
 */
export function haproxyConfig(options: HaproxyConfigOptions): string {
  const tls = options.tlsPem ? ` ssl crt ${options.tlsPem} alpn http/1.1` : "";
  return `# SyncAgent behind HAProxy: HTTP and WebSocket on one frontend.
global
    maxconn ${options.maxConnections ?? 8000}            # one per agent's WebSocket, plus requests

defaults
    mode http
    option forwardfor              # X-Forwarded-For: give the servers --trusted-proxies <this host>
    option http-server-close
    timeout connect 3s
    timeout client 75s             # longer than the agents' 20 s heartbeat
    timeout server 75s
    timeout http-request 15s
    timeout tunnel 1h              # an upgraded WebSocket
    timeout client-fin 5s
    retries 2
    option redispatch 1            # a retry goes to another process
    retry-on conn-failure empty-response

frontend syncagent
    bind ${options.bind}${tls}
    default_backend servers
    # Which process answered: lets the checks (and an operator) see the spread.
    http-response set-header X-Served-By %s

backend servers
    balance leastconn              # WebSockets are long-lived: spread them by count
    option httpchk
    # HTTP/1.1 with a Host the servers accept (they refuse a request without one).
    http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    # A check answered late is a busy process, not a dead one: without this, a check gets only \`inter\` (1 s)
    # and a process under load is taken out with its sessions. A dead one refuses the connection at once.
    timeout check 5s
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
${options.backends.map((b) => `    server ${b.name} ${b.host}:${b.port} check`).join("\n")}
`;
}

/** A running balancer. */
export interface RunningHaproxy {
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Writes the configuration into `dir`, checks it (`haproxy -c`) and starts
 * HAProxy in the foreground (`-db`).
 * @param dir A folder for the configuration.
 * @param options The configuration.
 * @returns Once it accepts connections.
 * @throws Error when haproxy is missing or refuses the configuration.
 */
export async function startHaproxy(dir: string, options: HaproxyConfigOptions): Promise<RunningHaproxy> {
  const file = join(dir, "haproxy.cfg");
  await writeFile(file, haproxyConfig(options));
  const child = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (e) => reject(new Error(`Cannot run haproxy (apt-get install haproxy): ${e.message}`)));
    child.once("exit", (code) => reject(new Error(`haproxy exited with ${code}: ${err}`)));
  });
  const [host, port] = splitBind(options.bind);
  await Promise.race([waitForPort(host, port, 10_000), exited]);
  exited.catch(() => undefined);
  return {
    url: `${options.tlsPem ? "https" : "http"}://${host}:${port}`,
    process: child,
    stop: () => stopProcess(child),
  };
}

function splitBind(bind: string): [string, number] {
  const at = bind.lastIndexOf(":");
  return [bind.slice(0, at) || "127.0.0.1", Number(bind.slice(at + 1))];
}

/**
 * Stops a child with SIGTERM, then SIGKILL after 10 s.
 * @param child The child.
 * @returns Once it exited.
 */
export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
