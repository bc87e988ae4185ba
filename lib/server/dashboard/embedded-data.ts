/**
 * The dashboard embedded in the release binary: `null` in the sources;
 * scripts/build.ts replaces this module with one exporting the bundled
 * assets (see `encodeDashboard`).
 */
import type { EncodedDashboard } from "./embedded.ts";

/** The embedded dashboard, or `null` when running from source. */
export const EMBEDDED_DASHBOARD: EncodedDashboard | null = null;
