/** What a client sends for one version, and what it gets back. */
import type { Head } from "./heads.ts";

/** A version a client asks to record. */
export interface VersionInput {
  pathId: string;
  parentId: string;
  /** The head version the client built on; 0 for a new path. */
  parentVersion: number;
  kind: "file" | "dir" | "delete";
  encName: string;
  manifest: string;
  chunks: string[];
}

/** The outcome of one item. */
export type ItemResult =
  | { pathId: string; status: "ok"; version: number; seq: number; replayed?: boolean }
  | { pathId: string; status: "conflict"; message: string; head: Head | null }
  | { pathId: string; status: "missing_chunks"; message: string; missing: string[] }
  | { pathId: string; status: "invalid"; message: string };
