/** Storage configuration: reading it, checking it, and the URLs it gives. */
import { describe, expect, it } from "vitest";
import { StorageConfigError } from "../../lib/storage/errors.ts";
import { chunkStoreConfigFromEnv, openChunkStore, type ChunkStoreConfig } from "../../lib/storage/open.ts";
import {
  bucketUrl,
  describeS3Location,
  encodeQueryComponent,
  normalisePrefix,
  objectUrl,
  resolveS3Config,
  type S3ChunkStoreConfig,
} from "../../lib/storage/s3-config.ts";
import { parseErrorBody, parseListPage } from "../../lib/storage/s3-xml.ts";
import { TempDirs } from "./helpers/temp.ts";

const KEY = "ab".repeat(32);
const base: S3ChunkStoreConfig = {
  endpoint: "https://s3.eu-west-3.amazonaws.com",
  region: "eu-west-3",
  bucket: "my-bucket",
  prefix: "chunks",
  accessKeyId: "AKID",
  secretAccessKey: "secret",
};

describe("S3 URLs", () => {
  it("uses virtual-hosted URLs on AWS and path-style elsewhere by default", () => {
    const aws = resolveS3Config(base);
    expect(aws.forcePathStyle).toBe(false);
    expect(objectUrl(aws, `chunks/${KEY}`)).toBe(`https://my-bucket.s3.eu-west-3.amazonaws.com/chunks/${KEY}`);
    const minio = resolveS3Config({ ...base, endpoint: "http://127.0.0.1:9000" });
    expect(minio.forcePathStyle).toBe(true);
    expect(objectUrl(minio, `chunks/${KEY}`)).toBe(`http://127.0.0.1:9000/my-bucket/chunks/${KEY}`);
  });

  it("honours an explicit style and keeps the endpoint's port and path", () => {
    const hosted = resolveS3Config({ ...base, endpoint: "https://objects.example.com:8443/s3/", forcePathStyle: false });
    expect(bucketUrl(hosted, "list-type=2")).toBe("https://my-bucket.objects.example.com:8443/s3/?list-type=2");
    const path = resolveS3Config({ ...base, endpoint: "https://objects.example.com:8443/s3/", forcePathStyle: true });
    expect(bucketUrl(path, "")).toBe("https://objects.example.com:8443/s3/my-bucket/");
    expect(describeS3Location(path)).toBe("s3://my-bucket/chunks/ @ https://objects.example.com:8443/s3");
  });

  it("encodes query components the SigV4 way", () => {
    expect(encodeQueryComponent("a/b+c=d e*(!)'~")).toBe("a%2Fb%2Bc%3Dd%20e%2A%28%21%29%27~");
  });
});

describe("S3 configuration checks", () => {
  it("normalises prefixes", () => {
    expect(normalisePrefix("")).toBe("");
    expect(normalisePrefix("/")).toBe("");
    expect(normalisePrefix("chunks")).toBe("chunks/");
    expect(normalisePrefix("/a//b/")).toBe("a/b/");
  });

  it.each([
    [{ prefix: "../up" }, /no '\.' or '\.\.' segments/],
    [{ prefix: "a b" }, /Invalid S3 prefix/],
    [{ prefix: "a?b" }, /Invalid S3 prefix/],
    [{ endpoint: "not a url" }, /Invalid S3 endpoint/],
    [{ endpoint: "ftp://host" }, /only http and https/],
    [{ endpoint: "https://user:pw@host" }, /no query, fragment or credentials/],
    [{ bucket: "a" }, /Invalid S3 bucket name/],
    [{ bucket: "has/slash" }, /Invalid S3 bucket name/],
    [{ bucket: "Upper_Case" }, /cannot be a host name/],
    [{ region: "" }, /region is empty/],
    [{ accessKeyId: "" }, /access key id is empty/],
    [{ secretAccessKey: "" }, /secret access key is empty/],
    [{ listPageSize: 0 }, /listPageSize 0: an integer from 1 to 1000/],
    [{ maxAttempts: 1.5 }, /maxAttempts/],
  ] as [Partial<S3ChunkStoreConfig>, RegExp][])("refuses %o", (change, message) => {
    expect(() => resolveS3Config({ ...base, ...change })).toThrow(StorageConfigError);
    expect(() => resolveS3Config({ ...base, ...change })).toThrow(message);
  });
});

describe("S3 XML", () => {
  it("reads a ListObjectsV2 page with escaped text", () => {
    const page = parseListPage(
      `<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>` +
        `<Contents><Key>p/a&amp;b</Key><Size>12</Size></Contents>` +
        `<Contents><Key>p/c</Key><LastModified>x</LastModified><Size>0</Size></Contents>` +
        `<NextContinuationToken>tok&#x2F;en&#61;</NextContinuationToken></ListBucketResult>`,
    );
    expect(page).toEqual({
      objects: [
        { key: "p/a&b", size: 12 },
        { key: "p/c", size: 0 },
      ],
      nextToken: "tok/en=",
      truncated: true,
    });
  });

  it("reads an error document, and gives empty fields for anything else", () => {
    expect(parseErrorBody("<Error><Code>NoSuchKey</Code><Message>The key &lt;x&gt;</Message></Error>")).toEqual({
      code: "NoSuchKey",
      message: "The key <x>",
    });
    expect(parseErrorBody("<html>Bad Request</html>")).toEqual({ code: "", message: "" });
  });
});

describe("chunkStoreConfigFromEnv", () => {
  it("defaults to a local folder", () => {
    expect(chunkStoreConfigFromEnv({}, { dir: "/data/chunks" })).toEqual({ kind: "local", dir: "/data/chunks" });
    expect(chunkStoreConfigFromEnv({ SYNCAGENT_CHUNK_DIR: "/x" }, { dir: "/data" })).toEqual({ kind: "local", dir: "/x" });
    expect(() => chunkStoreConfigFromEnv({})).toThrow("Local chunk storage needs a folder: set SYNCAGENT_CHUNK_DIR");
  });

  it("reads every S3 setting", () => {
    const config = chunkStoreConfigFromEnv({
      SYNCAGENT_STORAGE: "s3",
      SYNCAGENT_S3_ENDPOINT: "http://127.0.0.1:9000",
      SYNCAGENT_S3_REGION: "eu-west-3",
      SYNCAGENT_S3_BUCKET: "b",
      SYNCAGENT_S3_PREFIX: "p",
      SYNCAGENT_S3_ACCESS_KEY_ID: "id",
      SYNCAGENT_S3_SECRET_ACCESS_KEY: "secret",
      SYNCAGENT_S3_SESSION_TOKEN: "token",
      SYNCAGENT_S3_FORCE_PATH_STYLE: "false",
    });
    expect(config).toEqual({
      kind: "s3",
      endpoint: "http://127.0.0.1:9000",
      region: "eu-west-3",
      bucket: "b",
      prefix: "p",
      accessKeyId: "id",
      secretAccessKey: "secret",
      sessionToken: "token",
      forcePathStyle: false,
    });
  });

  it("derives the AWS endpoint from the region and names what is missing", () => {
    const env = { SYNCAGENT_STORAGE: "s3", SYNCAGENT_S3_BUCKET: "b", SYNCAGENT_S3_ACCESS_KEY_ID: "id", SYNCAGENT_S3_SECRET_ACCESS_KEY: "s" };
    expect(chunkStoreConfigFromEnv(env)).toMatchObject({ endpoint: "https://s3.us-east-1.amazonaws.com", region: "us-east-1" });
    expect(() => chunkStoreConfigFromEnv({ ...env, SYNCAGENT_S3_BUCKET: "" })).toThrow("S3 chunk storage needs SYNCAGENT_S3_BUCKET");
    expect(() => chunkStoreConfigFromEnv({ ...env, SYNCAGENT_S3_FORCE_PATH_STYLE: "maybe" })).toThrow(
      /Invalid SYNCAGENT_S3_FORCE_PATH_STYLE "maybe"/,
    );
    expect(() => chunkStoreConfigFromEnv({ SYNCAGENT_STORAGE: "ftp" })).toThrow(/Invalid SYNCAGENT_STORAGE "ftp": use local or s3/);
  });
});

describe("openChunkStore", () => {
  it("opens a local store in the configured folder", async () => {
    const temp = new TempDirs();
    try {
      const dir = await temp.make("open");
      const store = await openChunkStore({ kind: "local", dir });
      expect(store.kind).toBe("local");
      expect(store.location).toBe(dir);
      await store.close();
    } finally {
      await temp.removeAll();
    }
  });

  it("refuses an unknown kind and a bad S3 configuration before any request", async () => {
    await expect(openChunkStore({ kind: "ftp" } as unknown as ChunkStoreConfig)).rejects.toThrow(
      'Unknown chunk storage kind "ftp": use local or s3',
    );
    await expect(openChunkStore({ kind: "s3", ...base, bucket: "x" })).rejects.toBeInstanceOf(StorageConfigError);
  });
});
