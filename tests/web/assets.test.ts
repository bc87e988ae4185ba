/**
 * The dashboard's assets as the server serves them: one script and one
 * stylesheet with hashed names, strict headers, compression, the page for
 * every client route, the API's own 404s untouched; and the embedded copy
 * the release binary serves instead of bundling.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { build } from "esbuild";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { buildDashboard } from "../../lib/server/dashboard/build-web.ts";
import { chooseEncoding } from "../../lib/server/dashboard/compressed.ts";
import { encodeDashboard } from "../../lib/server/dashboard/embedded.ts";
import { dashboardAssets, dashboardRoutes, DASHBOARD_CSP } from "../../lib/server/dashboard/mod.ts";
import { sourceAssets, WEB_DIR } from "../../lib/server/dashboard/source.ts";
import { mediaType } from "../../lib/server/dashboard/assets.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ setup: false });
});
afterAll(async () => {
  await server.close();
});

function assetPaths(page: string): string[] {
  return [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
}

describe("the dashboard page", () => {
  it("answers / with the page naming one hashed script and one hashed stylesheet, never cached", async () => {
    const res = await server.fetch("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const page = await res.text();
    expect(page).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    const paths = assetPaths(page);
    expect(paths.filter((p) => /^\/assets\/main-[A-Z0-9]{8}\.js$/.test(p))).toHaveLength(1);
    expect(paths.filter((p) => /^\/assets\/main-[A-Z0-9]{8}\.css$/.test(p))).toHaveLength(1);
  });

  it("keeps the cryptography out of the first page's script, in a chunk loaded later", async () => {
    const built = await dashboardAssets(null)();
    const text = (f: { body: Uint8Array }) => new TextDecoder().decode(f.body);
    const entry = built.files.find((f) => /\/main-[A-Z0-9]{8}\.js$/.test(f.path))!;
    expect(text(entry)).not.toMatch(/argon2/i);
    expect(built.files.some((f) => f.path.endsWith(".js") && f !== entry && /argon2/i.test(text(f)))).toBe(true);
  });

  it("serves the assets immutable, compressed as the browser accepts", async () => {
    const paths = assetPaths(await (await server.fetch("/")).text());
    for (const path of paths) {
      const plain = await server.fetch(path, { headers: { "accept-encoding": "identity" } });
      expect(plain.status).toBe(200);
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(plain.headers.get("content-encoding")).toBeNull();
      expect(plain.headers.get("content-type")).toBe(mediaType(path));
      expect(plain.headers.get("vary")).toBe("Accept-Encoding");
      const body = new Uint8Array(await plain.arrayBuffer());
      // fetch decodes what it asked for: ask by hand and decode to compare.
      const raw = await import("node:http");
      const compressed = await new Promise<{ encoding: string | undefined; bytes: Buffer }>((resolve, reject) => {
        raw.get(server.url + path, { headers: { "accept-encoding": "gzip, br" } }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (p: Buffer) => parts.push(p));
          res.on("end", () => resolve({ encoding: res.headers["content-encoding"], bytes: Buffer.concat(parts) }));
        }).on("error", reject);
      });
      expect(compressed.encoding).toBe("br");
      expect(new Uint8Array(brotliDecompressSync(compressed.bytes))).toEqual(body);
      const gz = await new Promise<Buffer>((resolve, reject) => {
        raw.get(server.url + path, { headers: { "accept-encoding": "gzip" } }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (p: Buffer) => parts.push(p));
          res.on("end", () => resolve(Buffer.concat(parts)));
        }).on("error", reject);
      });
      expect(new Uint8Array(gunzipSync(gz))).toEqual(body);
    }
  });

  it("answers client routes with the page, HEAD without a body, and leaves /api and /ws to the server", async () => {
    const index = await (await server.fetch("/")).text();
    for (const path of ["/files", "/machines", "/files/some/deep/folder", "/login"]) {
      const res = await server.fetch(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(index);
    }
    const head = await server.fetch("/machines", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    for (const path of ["/api/nothing-here", "/api", "/ws/nowhere", "/assets/main-00000000.js"]) {
      const res = await server.fetch(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    expect((await server.fetch("/api/health")).status).toBe(200);
    expect((await server.fetch("/", { method: "POST" })).status).toBe(404);
  });
});

describe("the assets' sources", () => {
  it("serves the embedded copy as built, without bundling at run time", async () => {
    const built = await buildDashboard({ build }, WEB_DIR);
    const encoded = JSON.parse(JSON.stringify(encodeDashboard(built))) as ReturnType<typeof encodeDashboard>;
    const source = dashboardAssets(encoded);
    const again = await source();
    expect(again).toBe(await source());
    expect(again.index.body).toEqual(built.index.body);
    expect(again.files.map((f) => [f.path, f.type, f.body])).toEqual(built.files.map((f) => [f.path, f.type, f.body]));
    const app = dashboardRoutes(source);
    const res = await app.request("/", { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const js = built.files.find((f) => f.path.endsWith(".js"))!;
    const asset = await app.request(js.path);
    expect(new Uint8Array(await asset.arrayBuffer())).toEqual(js.body);
  });

  it("says what is wrong when a bundle lacks its script, and builds again after a failure", async () => {
    await expect(buildDashboard({ build: () => Promise.resolve({ outputFiles: [], metafile: { outputs: {} } }) }, WEB_DIR)).rejects.toThrow(
      /script or the stylesheet is missing/,
    );
    let calls = 0;
    const flaky = () => (++calls === 1 ? Promise.reject(new Error("disk gone")) : dashboardAssets(null)());
    const app = dashboardRoutes(flaky);
    expect((await app.request("/")).status).toBe(500);
    expect((await app.request("/")).status).toBe(200);
    const missing = sourceAssets("/nonexistent/web");
    await expect(missing()).rejects.toThrow();
    await expect(missing()).rejects.toThrow(); // tried again, not the first failure kept
  });

  it("chooses brotli, then gzip, honouring q=0 and a wildcard", () => {
    expect(chooseEncoding(undefined)).toBe("identity");
    expect(chooseEncoding("gzip, deflate, br")).toBe("br");
    expect(chooseEncoding("br;q=0, gzip;q=0.5")).toBe("gzip");
    expect(chooseEncoding("*")).toBe("br");
    expect(chooseEncoding("*;q=0, gzip")).toBe("gzip");
    expect(chooseEncoding("identity, , br;q=x")).toBe("identity");
    expect(mediaType("a.bin")).toBe("application/octet-stream");
    expect(mediaType("noextension")).toBe("application/octet-stream");
  });
});
