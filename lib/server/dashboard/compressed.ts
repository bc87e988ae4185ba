/**
 * Each dashboard file once in every encoding a browser may accept: the
 * assets are compressed when first served, not on every request.
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { DashboardAssets, DashboardFile } from "./assets.ts";

/** A file with its compressed forms. */
export interface CompressedFile extends DashboardFile {
  br: Uint8Array;
  gzip: Uint8Array;
}

/** The dashboard ready to serve: the page and the assets by URL path. */
export interface ServedDashboard {
  index: CompressedFile;
  byPath: Map<string, CompressedFile>;
}

function compress(file: DashboardFile): CompressedFile {
  const text = file.type.startsWith("text/") || file.type.startsWith("image/svg");
  const br = brotliCompressSync(file.body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: text ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC },
  });
  return { ...file, br: new Uint8Array(br), gzip: new Uint8Array(gzipSync(file.body, { level: 9 })) };
}

/**
 * Compresses every file of the dashboard.
 * @param assets The dashboard's files.
 * @returns The files with their compressed forms, indexed by path.
 */
export function compressDashboard(assets: DashboardAssets): ServedDashboard {
  const byPath = new Map<string, CompressedFile>();
  for (const file of assets.files) byPath.set(file.path, compress(file));
  return { index: compress(assets.index), byPath };
}

/** An encoding a response may use. */
export type Encoding = "br" | "gzip" | "identity";

/**
 * The best encoding an `Accept-Encoding` header allows: brotli, then gzip,
 * then none (a `q=0` refuses one).
 * @param header The request's `Accept-Encoding`, if any.
 * @returns The encoding to answer with.
 */
export function chooseEncoding(header: string | undefined): Encoding {
  const accepted = new Map<string, number>();
  for (const part of (header ?? "").split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    accepted.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const allows = (name: string) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  if (allows("br")) return "br";
  if (allows("gzip")) return "gzip";
  return "identity";
}
