/**
 * Bundles the dashboard's sources (`web/`) into one minified script and one
 * stylesheet named after their content, and the page that loads them. The
 * same function serves the run-time adapter (`source.ts`) and the release
 * build (scripts/build.ts), which passes its own esbuild.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mediaType, type DashboardAssets, type DashboardFile } from "./assets.ts";

/** The part of esbuild's API this uses (so callers hand in their own copy). */
export interface Bundler {
  build(options: {
    entryPoints: string[];
    bundle: true;
    minify: boolean;
    format: "esm";
    platform: "browser";
    target: string[];
    write: false;
    outdir: string;
    entryNames: string;
    chunkNames: string;
    splitting: true;
    assetNames: string;
    legalComments: "none";
    logLevel: "silent";
    metafile: true;
  }): Promise<{ outputFiles: { path: string; contents: Uint8Array }[]; metafile: { outputs: Record<string, { entryPoint?: string; cssBundle?: string }> } }>;
}

/** The browsers the bundle targets: every current one (module scripts, WebCrypto, top-level await). */
export const BROWSER_TARGETS = ["chrome111", "firefox115", "safari16.4", "edge111"];

async function hashedFile(file: string, stem: string, extension: string): Promise<DashboardFile> {
  const body = new Uint8Array(await readFile(file));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hash = Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
  return { path: `/assets/${stem}-${hash}${extension}`, type: mediaType(extension), body };
}

/**
 * Bundles `web/` into dashboard assets.
 * @param bundler esbuild (or its API).
 * @param webDir The folder of the dashboard's sources (holding `index.html` and `main.ts`).
 * @returns The page and its hashed assets.
 */
export async function buildDashboard(bundler: Bundler, webDir: string): Promise<DashboardAssets> {
  const outdir = join(webDir, "dist");
  const result = await bundler.build({
    entryPoints: [join(webDir, "main.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: BROWSER_TARGETS,
    write: false,
    outdir,
    entryNames: "[name]-[hash]",
    chunkNames: "[name]-[hash]",
    splitting: true,
    assetNames: "[name]-[hash]",
    legalComments: "none",
    logLevel: "silent",
    metafile: true,
  });
  const files: DashboardFile[] = result.outputFiles.map((out) => {
    const name = out.path.slice(outdir.length + 1).replaceAll("\\", "/");
    return { path: `/assets/${name}`, type: mediaType(name), body: out.contents };
  });
  // The entry's script and stylesheet (other scripts are chunks it loads when needed).
  const entry = Object.entries(result.metafile.outputs).find(([, out]) => out.entryPoint !== undefined);
  const named = (output: string | undefined) => (output ? files.find((f) => output.endsWith(f.path.slice("/assets/".length))) : undefined);
  const script = named(entry?.[0]);
  const style = named(entry?.[1].cssBundle);
  if (!script || !style) throw new Error("Cannot bundle the dashboard: the script or the stylesheet is missing from the bundle");
  const icon = await hashedFile(join(webDir, "icon.svg"), "icon", ".svg");
  files.push(icon);
  const template = await readFile(join(webDir, "index.html"), "utf8");
  const page = template.replace("/assets/main.css", style.path).replace("/assets/main.js", script.path).replace("/assets/icon.svg", icon.path);
  if (page === template) throw new Error("Cannot bundle the dashboard: index.html names no /assets/main.js nor /assets/main.css");
  return { index: { path: "/index.html", type: mediaType(".html"), body: new TextEncoder().encode(page) }, files };
}
