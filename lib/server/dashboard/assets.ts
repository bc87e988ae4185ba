/**
 * The dashboard assets port: what the server serves at `/` and under
 * `/assets/`, wherever it comes from. Two adapters fill it: `source.ts`
 * bundles `web/` in memory at run time (from source, with esbuild), and
 * `embedded.ts` reads the copy the release build put inside the binary.
 */

/** One file of the dashboard. */
export interface DashboardFile {
  /** The URL path it is served at (`/assets/main-3F2A9C1B.js`). */
  path: string;
  /** Its media type, with the charset for text. */
  type: string;
  /** The bytes, uncompressed. */
  body: Uint8Array;
}

/** The whole dashboard: the page every client route answers with, and its hashed assets. */
export interface DashboardAssets {
  /** `index.html`, naming the hashed assets. */
  index: DashboardFile;
  /** Scripts, styles and icons, each named after a hash of its content (served as immutable). */
  files: DashboardFile[];
}

/** Where the dashboard's assets come from: the port both adapters implement. */
export type DashboardAssetSource = () => Promise<DashboardAssets>;

/** The media type of a file name, by its extension. */
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/**
 * The media type to serve a file with.
 * @param path The file's name or URL path.
 * @returns Its `Content-Type`.
 */
export function mediaType(path: string): string {
  const dot = path.lastIndexOf(".");
  return TYPES[dot < 0 ? "" : path.slice(dot)] ?? "application/octet-stream";
}
