/**
 * The embedded adapter of the dashboard assets: the release build bundles
 * `web/` once and writes the result into the binary as text
 * (`encodeDashboard`); the server decodes it (`embeddedAssets`) instead of
 * bundling anything at run time.
 */
import { Buffer } from "node:buffer";
import type { DashboardAssets, DashboardAssetSource, DashboardFile } from "./assets.ts";

/** A dashboard file as the binary carries it: the body in base64. */
export interface EncodedFile {
  path: string;
  type: string;
  base64: string;
}

/** The dashboard as the binary carries it. */
export interface EncodedDashboard {
  index: EncodedFile;
  files: EncodedFile[];
}

function encode(file: DashboardFile): EncodedFile {
  return { path: file.path, type: file.type, base64: Buffer.from(file.body).toString("base64") };
}

function decode(file: EncodedFile): DashboardFile {
  return { path: file.path, type: file.type, body: new Uint8Array(Buffer.from(file.base64, "base64")) };
}

/**
 * Turns built assets into the text the release build embeds.
 * @param assets The bundled dashboard.
 * @returns Its encoded form (JSON-ready).
 */
export function encodeDashboard(assets: DashboardAssets): EncodedDashboard {
  return { index: encode(assets.index), files: assets.files.map(encode) };
}

/**
 * The source of the assets embedded in the binary.
 * @param encoded What the release build embedded.
 * @returns The source (decoded once, on the first call).
 */
export function embeddedAssets(encoded: EncodedDashboard): DashboardAssetSource {
  let decoded: DashboardAssets | undefined;
  return () => {
    decoded ??= { index: decode(encoded.index), files: encoded.files.map(decode) };
    return Promise.resolve(decoded);
  };
}
