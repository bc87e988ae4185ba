/**
 * The dashboard, served by the server (W1): the assets embedded in the
 * release binary when there are, else bundled from `web/` at run time.
 */
import type { DashboardAssetSource } from "./assets.ts";
import { embeddedAssets, type EncodedDashboard } from "./embedded.ts";
import { EMBEDDED_DASHBOARD } from "./embedded-data.ts";
import { sourceAssets } from "./source.ts";

export { dashboardRoutes, DASHBOARD_CSP } from "./routes.ts";
export type { DashboardAssets, DashboardAssetSource, DashboardFile } from "./assets.ts";

/**
 * Where this server's dashboard comes from.
 * @param embedded The embedded dashboard (the release build's), or null from source.
 * @returns The embedded copy when there is one, else a bundle of `web/`.
 */
export function dashboardAssets(embedded: EncodedDashboard | null = EMBEDDED_DASHBOARD): DashboardAssetSource {
  return embedded ? embeddedAssets(embedded) : sourceAssets();
}
