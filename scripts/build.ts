/**
 * Builds the single `syncagent` executable with `bun build --compile`
 * (DESIGN.md §1). Run with Bun: `npm run build` (linux-x64 by default) or
 * `bun scripts/build.ts --target darwin-arm64`.
 *
 * The libsql native addon is loaded by a computed `require` that Bun cannot
 * embed; a plugin rewrites it to the literal path of the target's addon so
 * the binary runs from any folder with nothing beside it.
 *
 * The dashboard (`web/`) is bundled first, with the same function the
 * server uses from source, and embedded: a second plugin replaces
 * `lib/server/dashboard/embedded-data.ts` with the bundled assets, so the
 * binary serves them without esbuild (left out of the binary).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { buildDashboard } from "../lib/server/dashboard/build-web.ts";
import { encodeDashboard } from "../lib/server/dashboard/embedded.ts";

/** A build target: Bun's compile target, the libsql addon package, the Bun executable package for cross builds. */
interface Target {
  bun: string;
  libsql: string;
  /** `@oven/bun-<x>` package holding that target's bun, for cross-compiling offline. */
  runtimePackage: string;
  suffix: string;
}

const TARGETS: Record<string, Target> = {
  "linux-x64": { bun: "bun-linux-x64", libsql: "linux-x64-gnu", runtimePackage: "@oven/bun-linux-x64", suffix: "" },
  "linux-arm64": { bun: "bun-linux-arm64", libsql: "linux-arm64-gnu", runtimePackage: "@oven/bun-linux-aarch64", suffix: "" },
  "darwin-arm64": { bun: "bun-darwin-arm64", libsql: "darwin-arm64", runtimePackage: "@oven/bun-darwin-aarch64", suffix: "" },
  "darwin-x64": { bun: "bun-darwin-x64", libsql: "darwin-x64", runtimePackage: "@oven/bun-darwin-x64", suffix: "" },
  "windows-x64": { bun: "bun-windows-x64", libsql: "win32-x64-msvc", runtimePackage: "@oven/bun-windows-x64", suffix: ".exe" },
};

const root = resolve(import.meta.dir, "..");

function hostTarget(): string {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `${os}-${arch}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      target: { type: "string", default: hostTarget() },
      outfile: { type: "string" },
      "executable-path": { type: "string" },
    },
  });
  const name = values.target ?? hostTarget();
  const target = TARGETS[name];
  if (!target) {
    console.error(`build: unknown target '${name}'. Targets: ${Object.keys(TARGETS).join(", ")}`);
    return 2;
  }
  const addon = join(root, "node_modules", "@libsql", target.libsql, "index.node");
  if (!existsSync(addon)) {
    console.error(`build: the libsql addon for ${name} is missing (${addon}); install @libsql/${target.libsql}`);
    return 1;
  }
  const isHost = name === hostTarget();
  const executablePath = values["executable-path"] ?? (isHost ? undefined : findCrossRuntime(target));
  if (!isHost && !executablePath) {
    console.error(`build: cross-compiling to ${name} needs that target's bun: install ${target.runtimePackage} or pass --executable-path`);
    return 1;
  }
  const outfile = resolve(values.outfile ?? join(root, "dist", name === hostTarget() ? "syncagent" : `syncagent-${name}`) + target.suffix);
  await mkdir(join(outfile, ".."), { recursive: true });

  const libsqlAddonPlugin: Bun.BunPlugin = {
    name: "libsql-static-addon",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/](index|promise)\.js$/ }, async (args) => {
        const source = await readFile(args.path, "utf8");
        const rewritten = source.replace("require(`@libsql/${target}`)", `require("@libsql/${target.libsql}/index.node")`);
        if (rewritten === source) throw new Error(`libsql loader changed shape in ${args.path}: update the build plugin`);
        return { contents: rewritten, loader: "js" };
      });
    },
  };

  const started = performance.now();
  const dashboard = encodeDashboard(await buildDashboard(esbuild, join(root, "web")));
  const dashboardPlugin: Bun.BunPlugin = {
    name: "embedded-dashboard",
    setup(build) {
      build.onLoad({ filter: /[\\/]lib[\\/]server[\\/]dashboard[\\/]embedded-data\.ts$/ }, () => ({
        contents: `export const EMBEDDED_DASHBOARD = ${JSON.stringify(dashboard)};\n`,
        loader: "ts",
      }));
    },
  };
  const result = await Bun.build({
    entrypoints: [join(root, "main.ts")],
    compile: { target: target.bun as Bun.Build.CompileTarget, outfile, ...(executablePath ? { executablePath } : {}) },
    minify: true,
    sourcemap: "none",
    plugins: [libsqlAddonPlugin, dashboardPlugin],
    external: ["esbuild"],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(log);
    return 1;
  }
  const size = (await stat(outfile)).size;
  const dashboardBytes = [dashboard.index, ...dashboard.files].reduce((sum, f) => sum + Math.floor((f.base64.length * 3) / 4), 0);
  console.log(JSON.stringify({ target: name, outfile, bytes: size, dashboardBytes, seconds: +((performance.now() - started) / 1000).toFixed(1) }));
  return 0;
}

function findCrossRuntime(target: Target): string | undefined {
  const base = join(root, "node_modules", target.runtimePackage, "bin");
  for (const file of ["bun", "bun.exe"]) {
    if (existsSync(join(base, file))) return join(base, file);
  }
  return undefined;
}

process.exitCode = await main();
