/**
 * Settings of the S3 adapter, their checks and defaults, and the URLs they
 * give (path-style `https://host/bucket/key` or virtual-hosted
 * `https://bucket.host/key`).
 */
import { StorageConfigError } from "./errors.ts";
import { DEFAULT_MAX_OBJECT_SIZE } from "./meter.ts";

/** What the S3 adapter needs to reach a bucket. */
export interface S3ChunkStoreConfig {
  /** Service URL, e.g. `https://s3.eu-west-3.amazonaws.com` or `http://127.0.0.1:9000`. */
  endpoint: string;
  /** Signing region, e.g. `us-east-1`. */
  region: string;
  bucket: string;
  /** Folder-like prefix inside the bucket (`chunks/`); empty for the whole bucket. */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials. */
  sessionToken?: string;
  /**
   * `true`: `endpoint/bucket/key`; `false`: `bucket.endpoint/key`. Default:
   * virtual-hosted for `*.amazonaws.com`, path-style elsewhere (MinIO, Swift,
   * Ceph and most self-hosted services expect it).
   */
  forcePathStyle?: boolean;
  /** Keys per ListObjectsV2 page, 1–1000 (default 1000). */
  listPageSize?: number;
  /** Tries per request, including the first (default 4). */
  maxAttempts?: number;
  /** First retry delay in ms; doubled per retry, with jitter (default 200). */
  retryBaseDelayMs?: number;
  /** Time allowed until the response headers arrive, in ms (default 60 000). */
  requestTimeoutMs?: number;
  /** Largest object accepted, in bytes (default 64 MiB); put buffers one object. */
  maxObjectSize?: number;
  /**
   * A larger object is sent as a multipart upload in parts of this many
   * bytes (the last one shorter), 5 MiB–512 MiB (default 8 MiB). S3 refuses
   * parts under 5 MiB except the last.
   */
  multipartPartSize?: number;
}

/** A checked configuration with every default filled in. */
export interface ResolvedS3Config {
  endpoint: URL;
  region: string;
  bucket: string;
  /** Empty, or ends with `/`. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
  forcePathStyle: boolean;
  listPageSize: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  requestTimeoutMs: number;
  maxObjectSize: number;
  multipartPartSize: number;
}

/** Smallest part S3 accepts in a multipart upload (all but the last part): 5 MiB. */
export const MIN_MULTIPART_PART_SIZE = 5 * 1024 * 1024;
/** Default multipart part size: 8 MiB. */
export const DEFAULT_MULTIPART_PART_SIZE = 8 * 1024 * 1024;
/** Largest multipart part size accepted in the settings: 512 MiB. */
export const MAX_MULTIPART_PART_SIZE = 512 * 1024 * 1024;

const BUCKET_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;
const DNS_BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_PATTERN = /^[A-Za-z0-9._\-/]*$/;

/**
 * Checks a configuration and fills in its defaults.
 * @throws StorageConfigError naming the setting to fix.
 */
export function resolveS3Config(config: S3ChunkStoreConfig): ResolvedS3Config {
  let endpoint: URL;
  try {
    endpoint = new URL(config.endpoint);
  } catch {
    throw new StorageConfigError(`Invalid S3 endpoint ${JSON.stringify(config.endpoint)}: expected a URL such as https://s3.example.com`);
  }
  if (endpoint.protocol !== "http:" && endpoint.protocol !== "https:") {
    throw new StorageConfigError(`Invalid S3 endpoint ${config.endpoint}: only http and https are supported`);
  }
  if (endpoint.search || endpoint.hash || endpoint.username || endpoint.password) {
    throw new StorageConfigError(`Invalid S3 endpoint ${config.endpoint}: no query, fragment or credentials in the URL`);
  }
  if (!config.region) throw new StorageConfigError("S3 region is empty: set it (us-east-1 if the service ignores regions)");
  if (!BUCKET_PATTERN.test(config.bucket)) {
    throw new StorageConfigError(`Invalid S3 bucket name ${JSON.stringify(config.bucket)}: 3–255 letters, digits, '.', '_' or '-'`);
  }
  if (!config.accessKeyId) throw new StorageConfigError("S3 access key id is empty");
  if (!config.secretAccessKey) throw new StorageConfigError("S3 secret access key is empty");
  const forcePathStyle = config.forcePathStyle ?? !endpoint.hostname.endsWith("amazonaws.com");
  if (!forcePathStyle && !DNS_BUCKET_PATTERN.test(config.bucket)) {
    throw new StorageConfigError(
      `S3 bucket ${JSON.stringify(config.bucket)} cannot be a host name: use path-style URLs (forcePathStyle) or a lowercase DNS-safe bucket`,
    );
  }
  return {
    endpoint,
    region: config.region,
    bucket: config.bucket,
    prefix: normalisePrefix(config.prefix ?? ""),
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    sessionToken: config.sessionToken || undefined,
    forcePathStyle,
    listPageSize: integerIn("listPageSize", config.listPageSize, 1000, 1, 1000),
    maxAttempts: integerIn("maxAttempts", config.maxAttempts, 4, 1, 20),
    retryBaseDelayMs: integerIn("retryBaseDelayMs", config.retryBaseDelayMs, 200, 0, 60_000),
    requestTimeoutMs: integerIn("requestTimeoutMs", config.requestTimeoutMs, 60_000, 1, 3_600_000),
    maxObjectSize: integerIn("maxObjectSize", config.maxObjectSize, DEFAULT_MAX_OBJECT_SIZE, 0, 5 * 1024 ** 3),
    multipartPartSize: integerIn(
      "multipartPartSize",
      config.multipartPartSize,
      DEFAULT_MULTIPART_PART_SIZE,
      MIN_MULTIPART_PART_SIZE,
      MAX_MULTIPART_PART_SIZE,
    ),
  };
}

/** `chunks` → `chunks/`, `/a/b/` → `a/b/`, `` → ``; refuses characters that would need escaping and `..`. */
export function normalisePrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new StorageConfigError(`Invalid S3 prefix ${JSON.stringify(prefix)}: use letters, digits, '.', '_', '-' and '/'`);
  }
  const parts = prefix.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === "." || part === "..")) {
    throw new StorageConfigError(`Invalid S3 prefix ${JSON.stringify(prefix)}: no '.' or '..' segments`);
  }
  return parts.length === 0 ? "" : `${parts.join("/")}/`;
}

/** URL of the bucket itself (for listing), with an already-encoded query string. */
export function bucketUrl(config: ResolvedS3Config, query: string): string {
  return `${base(config)}/${query ? `?${query}` : ""}`;
}

/**
 * URL of the object `objectName` (prefix included; only characters allowed
 * by `normalisePrefix` and keys), with an already-encoded query string
 * (see `canonicalQuery`).
 */
export function objectUrl(config: ResolvedS3Config, objectName: string, query = ""): string {
  return `${base(config)}/${objectName}${query ? `?${query}` : ""}`;
}

/**
 * A query string in SigV4 canonical form: parameters sorted by name, names
 * and values encoded with `encodeQueryComponent`, `name=` for an empty value
 * (`{ uploadId: "a/b", partNumber: "2" }` → `partNumber=2&uploadId=a%2Fb`).
 */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([name, value]) => [encodeQueryComponent(name), encodeQueryComponent(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** `s3://bucket/prefix @ endpoint`, for start-up logs (no secrets). */
export function describeS3Location(config: ResolvedS3Config): string {
  return `s3://${config.bucket}/${config.prefix} @ ${config.endpoint.origin}${trimmedPath(config.endpoint)}`;
}

/** Encodes a query component the way SigV4 canonicalises it (RFC 3986 unreserved characters kept). */
export function encodeQueryComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function base(config: ResolvedS3Config): string {
  const { endpoint } = config;
  const path = trimmedPath(endpoint);
  if (config.forcePathStyle) return `${endpoint.origin}${path}/${config.bucket}`;
  const port = endpoint.port ? `:${endpoint.port}` : "";
  return `${endpoint.protocol}//${config.bucket}.${endpoint.hostname}${port}${path}`;
}

function trimmedPath(endpoint: URL): string {
  return endpoint.pathname.replace(/\/+$/, "");
}

function integerIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new StorageConfigError(`Invalid S3 ${name} ${String(value)}: an integer from ${min} to ${max}`);
  }
  return value;
}
