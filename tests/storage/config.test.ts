/** Storage configuration: reading it, checking it, and the URLs it gives. */
import { describe, expect, it } from "vitest";
import { StorageConfigError } from "../../lib/storage/errors.ts";
import { chunkStoreConfigFromEnv, openChunkStore, type ChunkStoreConfig } from "../../lib/storage/open.ts";
import { splitIntoParts } from "../../lib/storage/s3-multipart.ts";
import {
  bucketUrl,
  canonicalQuery,
  describeS3Location,
  encodeQueryComponent,
  normalisePrefix,
  objectUrl,
  resolveS3Config,
  type S3ChunkStoreConfig,
} from "../../lib/storage/s3-config.ts";
import {
  completeUploadBody,
  parseCompleteAnswer,
  parseErrorBody,
  parseListPage,
  parseUploadId,
  S3XmlError,
} from "../../lib/storage/s3-xml.ts";
import { TempDirs } from "./helpers/temp.ts";

const KEY = "ab".repeat(32);
const MiB = 1024 * 1024;
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

  it("builds canonical query strings: sorted by name, encoded, name= for an empty value", () => {
    expect(canonicalQuery({ uploadId: "a/b+c~", partNumber: "2" })).toBe("partNumber=2&uploadId=a%2Fb%2Bc~");
    expect(canonicalQuery({ uploads: "" })).toBe("uploads=");
    expect(canonicalQuery({ prefix: "p/", "max-keys": "7", "list-type": "2", "continuation-token": "t=" })).toBe(
      "continuation-token=t%3D&list-type=2&max-keys=7&prefix=p%2F",
    );
    const config = resolveS3Config({ ...base, endpoint: "http://127.0.0.1:9000" });
    expect(objectUrl(config, `chunks/${KEY}`, canonicalQuery({ uploadId: "x y" }))).toBe(
      `http://127.0.0.1:9000/my-bucket/chunks/${KEY}?uploadId=x%20y`,
    );
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
    [{ multipartPartSize: 5 * MiB - 1 }, /multipartPartSize 5242879: an integer from 5242880 to 536870912/],
    [{ multipartPartSize: 512 * MiB + 1 }, /multipartPartSize 536870913: an integer from 5242880 to 536870912/],
    [{ multipartPartSize: 6 * MiB + 0.5 }, /multipartPartSize/],
  ] as [Partial<S3ChunkStoreConfig>, RegExp][])("refuses %o", (change, message) => {
    expect(() => resolveS3Config({ ...base, ...change })).toThrow(StorageConfigError);
    expect(() => resolveS3Config({ ...base, ...change })).toThrow(message);
  });
});

describe("S3 multipart settings and parts", () => {
  it("defaults the part size to 8 MiB and accepts 5 MiB to 512 MiB", () => {
    expect(resolveS3Config(base).multipartPartSize).toBe(8 * MiB);
    expect(resolveS3Config({ ...base, multipartPartSize: 5 * MiB }).multipartPartSize).toBe(5 * MiB);
    expect(resolveS3Config({ ...base, multipartPartSize: 512 * MiB }).multipartPartSize).toBe(512 * MiB);
  });

  it("cuts an object into whole parts and a shorter last one", () => {
    expect(splitIntoParts(25, 10)).toEqual([
      { partNumber: 1, start: 0, end: 10 },
      { partNumber: 2, start: 10, end: 20 },
      { partNumber: 3, start: 20, end: 25 },
    ]);
    expect(splitIntoParts(20, 10)).toEqual([
      { partNumber: 1, start: 0, end: 10 },
      { partNumber: 2, start: 10, end: 20 },
    ]);
    expect(splitIntoParts(11, 10).map((part) => part.end - part.start)).toEqual([10, 1]);
    expect(splitIntoParts(0, 10)).toEqual([{ partNumber: 1, start: 0, end: 0 }]);
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

  it("reads keys, sizes and tokens as text, never as numbers", () => {
    const page = parseListPage(
      `<ListBucketResult><IsTruncated>true</IsTruncated>` +
        `<Contents><Key>0001</Key><Size>0012</Size></Contents>` +
        `<NextContinuationToken>1e3</NextContinuationToken></ListBucketResult>`,
    );
    expect(page.objects).toEqual([{ key: "0001", size: 12 }]);
    expect(page.nextToken).toBe("1e3");
    expect(typeof page.nextToken).toBe("string");
    expect(parseUploadId("<InitiateMultipartUploadResult><UploadId>000042</UploadId></InitiateMultipartUploadResult>")).toBe("000042");
  });

  it("decodes entities once: the XML ones and numeric references, not DOCTYPE ones", () => {
    const page = parseListPage(
      `<ListBucketResult><Contents><Key>a&amp;b&lt;c&gt;&quot;&apos;&#233;&#x1F600;&amp;#61;</Key><Size>1</Size></Contents></ListBucketResult>`,
    );
    expect(page.objects[0]?.key).toBe(`a&b<c>"'\u00e9\u{1F600}&#61;`);
    const declared = parseErrorBody(`<!DOCTYPE Error [<!ENTITY boom "exploded">]><Error><Code>&boom;</Code><Message>m</Message></Error>`);
    expect(declared.code).not.toContain("exploded");
  });

  it("reads a single <Contents> as a list of one", () => {
    const page = parseListPage(`<ListBucketResult><Contents><Key>only</Key><Size>5</Size></Contents></ListBucketResult>`);
    expect(page).toEqual({ objects: [{ key: "only", size: 5 }], nextToken: undefined, truncated: false });
    expect(parseListPage("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>").objects).toEqual([]);
  });

  it("ignores namespaces, default or prefixed, and keeps whitespace inside a key", () => {
    const page = parseListPage(
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n` +
        `  <Name>b</Name>\n  <IsTruncated>true</IsTruncated>\n` +
        `  <Contents>\n    <Key> spaced key </Key>\n    <Size>3</Size>\n  </Contents>\n` +
        `  <NextContinuationToken>next</NextContinuationToken>\n</ListBucketResult>\n`,
    );
    expect(page).toEqual({ objects: [{ key: " spaced key ", size: 3 }], nextToken: "next", truncated: true });
    const prefixed = parseListPage(
      `<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<s3:Contents><s3:Key>k</s3:Key><s3:Size>1</s3:Size></s3:Contents></s3:ListBucketResult>`,
    );
    expect(prefixed.objects).toEqual([{ key: "k", size: 1 }]);
  });

  it("reads CDATA sections as text, without decoding them", () => {
    const page = parseListPage(`<ListBucketResult><Contents><Key><![CDATA[a<b&amp;c]]></Key><Size>1</Size></Contents></ListBucketResult>`);
    expect(page.objects).toEqual([{ key: "a<b&amp;c", size: 1 }]);
  });

  it("skips entries without a key or a whole size", () => {
    const page = parseListPage(
      `<ListBucketResult><Contents><Size>1</Size></Contents><Contents><Key>neg</Key><Size>-1</Size></Contents>` +
        `<Contents><Key>frac</Key><Size>1.5</Size></Contents><Contents><Key>ok</Key><Size>2</Size></Contents></ListBucketResult>`,
    );
    expect(page.objects).toEqual([{ key: "ok", size: 2 }]);
  });

  it.each([
    ["a cut-off document", `<ListBucketResult><Contents><Key>a</Key><Size>1</Size></Contents>`],
    ["mismatched tags", `<ListBucketResult><Contents></ListBucketResult></Contents>`],
    ["an error document", `<Error><Code>InternalError</Code></Error>`],
    ["HTML", `<html><body>Bad Gateway</body></html>`],
    ["plain text", `Service Unavailable`],
    ["nothing", ``],
  ])("refuses %s as a listing page rather than reading an empty one", (_what, xml) => {
    expect(() => parseListPage(xml)).toThrow(S3XmlError);
  });

  it("gives empty error fields for malformed documents instead of throwing", () => {
    for (const xml of [`<Error><Code>NoSuchKey</Code>`, `<Error><Code>x</Error></Code>`, `<<<`, ``, `&bogus;`]) {
      expect(parseErrorBody(xml)).toEqual({ code: "", message: "" });
    }
  });

  it("reads the upload id of CreateMultipartUpload, and refuses an answer without one", () => {
    expect(
      parseUploadId(
        `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          `<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE.a~b_c-d</UploadId></InitiateMultipartUploadResult>`,
      ),
    ).toBe("VXBsb2FkIElE.a~b_c-d");
    expect(() => parseUploadId(`<InitiateMultipartUploadResult><Key>k</Key></InitiateMultipartUploadResult>`)).toThrow(S3XmlError);
    expect(() => parseUploadId(`<Error><Code>AccessDenied</Code></Error>`)).toThrow(/expected an InitiateMultipartUploadResult/);
  });

  it("tells a completed multipart upload from an <Error> inside a 200 answer", () => {
    expect(
      parseCompleteAnswer(
        `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          `<Key>k</Key><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>`,
      ),
    ).toEqual({ completed: true });
    // S3 (and Swift) may send the 200 status and whitespace, then the outcome.
    expect(
      parseCompleteAnswer(`<?xml version="1.0" encoding="UTF-8"?>\n        \n<Error><Code>InternalError</Code><Message>retry</Message></Error>`),
    ).toEqual({ completed: false, error: { code: "InternalError", message: "retry" } });
    for (const xml of ["", "   ", "<CompleteMultipartUploadResult>", "<Other/>"]) {
      expect(parseCompleteAnswer(xml)).toMatchObject({ completed: false, error: { code: "" } });
    }
  });

  it("writes the part list of CompleteMultipartUpload with escaped ETags", () => {
    expect(completeUploadBody([{ partNumber: 1, etag: '"a1"' }, { partNumber: 2, etag: '"b&<2>"' }])).toBe(
      `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Part><PartNumber>1</PartNumber><ETag>"a1"</ETag></Part>` +
        `<Part><PartNumber>2</PartNumber><ETag>"b&amp;&lt;2&gt;"</ETag></Part></CompleteMultipartUpload>`,
    );
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
