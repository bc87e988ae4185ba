/**
 * The run-time adapter of the dashboard assets: from source (tests, `npm
 * start`), `web/` is bundled in memory with esbuild on the first request
 * for the dashboard, once per process. esbuild is a development
 * dependency loaded only here, so the release binary (which serves the
 * embedded copy) never needs it.
 */
import { fileURLToPath } from "node:url";
import type { DashboardAssets, DashboardAssetSource } from "./assets.ts";
import { buildDashboard, type Bundler } from "./build-web.ts";

/** The dashboard's sources, beside lib/ in the repository. */
export const WEB_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));

const builds = new Map<string, Promise<DashboardAssets>>();

/**
 * The assets bundled from `web/`, built on the first call and shared by
 * every server of the process (a failed build is tried again next call).
 * @param webDir The sources' folder.
 * @returns The source of the assets.
 */
export function sourceAssets(webDir = WEB_DIR): DashboardAssetSource {
  return () => {
    let pending = builds.get(webDir);
    if (!pending) {
      pending = (async () => {
        const esbuild = (await import("esbuild")) as unknown as Bundler;
        return buildDashboard(esbuild, webDir);
      })();
      builds.set(webDir, pending);
      pending.catch(() => builds.delete(webDir));
    }
    return pending;
  };
}
