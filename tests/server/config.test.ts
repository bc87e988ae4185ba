/**
 * Server settings resolution (pure) and the daily purge timer.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_LIMITS, DEFAULT_MAX_CHUNK_BYTES, defaultDataDir, resolveServerConfig } from "../../lib/server/config.ts";
import { msUntilNextDailyRun } from "../../lib/server/schedule.ts";
import { acceptedHosts, hostFormProblem, isHostAllowed } from "../../lib/server/http/security.ts";
import { redactUrl } from "../../lib/server/logger.ts";

describe("resolveServerConfig", () => {
  it("uses embedded defaults under the data directory", () => {
    const c = resolveServerConfig({ values: {}, env: { HOME: "/home/ann" } });
    expect(c).toMatchObject({
      dataDir: "/home/ann/.local/share/syncagent",
      host: "127.0.0.1",
      port: 8420,
      databaseUrl: "file:/home/ann/.local/share/syncagent/syncagent.db",
      storage: { kind: "local", dir: "/home/ann/.local/share/syncagent/chunks" },
      logFile: "/home/ann/.local/share/syncagent/logs/server.log",
      maxChunkBytes: DEFAULT_MAX_CHUNK_BYTES,
      trashRetentionDays: 30,
      changeRetentionDays: 30,
      purgeHour: 3,
    });
    expect(defaultDataDir({ XDG_DATA_HOME: "/xdg/", HOME: "/h" })).toBe("/xdg/syncagent");
  });

  it("prefers flag or variable, then the file, then the default", () => {
    const file = { port: 9000, host: "0.0.0.0", trashRetentionDays: 7, dataDir: "/srv/sa" };
    const c = resolveServerConfig({ values: { port: "9100" }, env: {}, file });
    expect(c.port).toBe(9100);
    expect(c.host).toBe("0.0.0.0");
    expect(c.trashRetentionDays).toBe(7);
    expect(c.databaseUrl).toBe("file:/srv/sa/syncagent.db");
  });

  it("reads S3 credentials from the environment only", () => {
    const env = { HOME: "/h", SYNCAGENT_S3_ACCESS_KEY_ID: "AK", SYNCAGENT_S3_SECRET_ACCESS_KEY: "SK" };
    const c = resolveServerConfig({ values: { storage: "s3", "s3-endpoint": "http://127.0.0.1:9000", "s3-bucket": "b" }, env });
    expect(c.storage).toMatchObject({ kind: "s3", bucket: "b", accessKeyId: "AK", secretAccessKey: "SK", region: "us-east-1" });
    expect(() => resolveServerConfig({ values: { storage: "s3" }, env: { HOME: "/h" } })).toThrow(/S3 storage needs: endpoint, bucket/);
  });

  it("sets the S3 multipart part size in MiB by flag or file, 8 by default, 5 to 512 (S6)", () => {
    const env = { HOME: "/h", SYNCAGENT_S3_ACCESS_KEY_ID: "AK", SYNCAGENT_S3_SECRET_ACCESS_KEY: "SK" };
    const values = { storage: "s3", "s3-endpoint": "http://127.0.0.1:9000", "s3-bucket": "b" };
    const MiB = 1024 * 1024;
    expect(resolveServerConfig({ values, env }).storage).toMatchObject({ multipartPartSize: 8 * MiB });
    expect(resolveServerConfig({ values: { ...values, "s3-part-size-mib": "64" }, env }).storage).toMatchObject({ multipartPartSize: 64 * MiB });
    expect(resolveServerConfig({ values, env, file: { s3: { partSizeMiB: 16 } } }).storage).toMatchObject({ multipartPartSize: 16 * MiB });
    expect(() => resolveServerConfig({ values: { ...values, "s3-part-size-mib": "4" }, env })).toThrow(/Invalid s3 part size \(MiB\): '4' \(an integer from 5 to 512\)/);
    expect(() => resolveServerConfig({ values: { ...values, "s3-part-size-mib": "8.5" }, env })).toThrow(/part size/);
    expect(() => resolveServerConfig({ values, env, file: { s3: { partSizeMiB: 1024 } } })).toThrow(/Invalid config file: s3.partSizeMiB/);
  });

  it("names the bad setting", () => {
    const env = { HOME: "/h" };
    expect(() => resolveServerConfig({ values: { port: "80a" }, env })).toThrow(ConfigError);
    expect(() => resolveServerConfig({ values: { port: "70000" }, env })).toThrow(/Invalid port/);
    expect(() => resolveServerConfig({ values: { "log-level": "loud" }, env })).toThrow(/Invalid log level/);
    expect(() => resolveServerConfig({ values: {}, env, file: { prot: 1 } })).toThrow(/Invalid config file/);
    expect(() => resolveServerConfig({ values: {}, env, file: { port: "x" } })).toThrow(/port/);
    expect(() => resolveServerConfig({ values: { "tls-cert": "/c.pem" }, env })).toThrow(/both a certificate and a key/);
    expect(() => resolveServerConfig({ values: {}, env: {} })).toThrow(/data directory/);
  });

  it("has connection deadlines and password-hash bounds, set by flag or file", () => {
    const env = { HOME: "/h" };
    expect(resolveServerConfig({ values: {}, env })).toMatchObject(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toMatchObject({ headersTimeoutMs: 10_000, bodyTimeoutMs: 60_000, idleTimeoutMs: 5_000, passwordHashConcurrency: 2 });
    const c = resolveServerConfig({ values: { "body-timeout-ms": "1500", "password-hash-queue": "0" }, env, file: { uploadTimeoutMs: 900_000 } });
    expect(c).toMatchObject({ bodyTimeoutMs: 1500, passwordHashQueue: 0, uploadTimeoutMs: 900_000 });
    expect(() => resolveServerConfig({ values: { "headers-timeout-ms": "0" }, env })).toThrow(/Invalid headers-timeout-ms/);
    expect(() => resolveServerConfig({ values: { "password-hash-concurrency": "100" }, env })).toThrow(/password-hash-concurrency/);
    expect(() => resolveServerConfig({ values: {}, env, file: { idleTimeoutMs: -1 } })).toThrow(/idleTimeoutMs/);
  });
});

describe("msUntilNextDailyRun", () => {
  it("waits until 03:00 today when it is earlier", () => {
    const now = new Date(2026, 0, 10, 1, 30, 0);
    expect(msUntilNextDailyRun(now, 3)).toBe(90 * 60_000);
  });
  it("waits until tomorrow when 03:00 has passed or is now", () => {
    expect(msUntilNextDailyRun(new Date(2026, 0, 10, 3, 0, 0), 3)).toBe(24 * 3_600_000);
    expect(msUntilNextDailyRun(new Date(2026, 0, 10, 23, 0, 0), 3)).toBe(4 * 3_600_000);
  });
});

describe("boundary helpers", () => {
  it("accepts only loopback names (and listed ones) on a loopback server", () => {
    expect(isHostAllowed("127.0.0.1:8420", "127.0.0.1", [])).toBe(true);
    expect(isHostAllowed("localhost:8420", "127.0.0.1", [])).toBe(true);
    expect(isHostAllowed("evil.example:8420", "127.0.0.1", [])).toBe(false);
    expect(isHostAllowed("sync.lan", "127.0.0.1", ["sync.lan"])).toBe(true);
    expect(isHostAllowed("anything", "0.0.0.0", [])).toBe(true);
    expect(isHostAllowed("evil.example", "127.0.0.2", [])).toBe(false);
  });
  it("accepts the public URL's host behind a reverse proxy", () => {
    const names = acceptedHosts(["sync.lan"], "https://sync.example.org:8443");
    expect(names).toEqual(["sync.lan", "sync.example.org"]);
    expect(isHostAllowed("sync.example.org", "127.0.0.1", names)).toBe(true);
    expect(isHostAllowed("other.example.org", "127.0.0.1", names)).toBe(false);
  });
  it("finds requests that name two hosts", () => {
    expect(hostFormProblem("127.0.0.1:8420", ["Host", "127.0.0.1:8420"], "/api/health")).toBeNull();
    expect(hostFormProblem("127.0.0.1:8420", ["Host", "127.0.0.1:8420", "host", "evil.example"], "/")).toMatch(/more than one/);
    expect(hostFormProblem("a, b", undefined, "http://a/")).toMatch(/more than one/);
    expect(hostFormProblem(undefined, undefined, "/")).toMatch(/no Host/);
    expect(hostFormProblem("127.0.0.1:8420", undefined, "http://evil.example/x")).toMatch(/another host/);
    expect(hostFormProblem("Sync.LAN:80", undefined, "http://sync.lan/x")).toBeNull();
  });
  it("strips credentials from logged URLs", () => {
    expect(redactUrl("/ws/changes?token=abc&x=1")).toBe("/ws/changes?token=[redacted]&x=1");
  });
});
