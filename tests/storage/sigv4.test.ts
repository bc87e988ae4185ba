/**
 * SigV4 signing (aws4fetch's `AwsClient.sign`, which the S3 adapter uses)
 * against published vectors: cases of the AWS Signature Version 4 test suite
 * (aws-sig-v4-test-suite: AKIDEXAMPLE, us-east-1, service "service",
 * 20150830T123600Z) and the worked examples of the Amazon S3 API reference
 * ("Signature calculations for the Authorization header": examplebucket,
 * 20130524T000000Z), which sign the way the adapter does (service s3, signed
 * x-amz-content-sha256).
 */
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";

interface Vector {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Sign headers aws4fetch leaves out by default (content-type, range), as the vector does. */
  allHeaders?: boolean;
  sessionToken?: string;
  /**
   * Encode the path once, as S3 does and as this vector's canonical request
   * does (aws4fetch encodes twice for services other than s3 by default).
   */
  singleEncode?: boolean;
  authorization: string;
}

const SUITE_CREDENTIAL = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
const suite = (signedHeaders: string, signature: string): string =>
  `${SUITE_CREDENTIAL}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
const HOST = "https://example.amazonaws.com";
const STS_TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

const SUITE_VECTORS: Vector[] = [
  {
    name: "get-vanilla",
    method: "GET",
    url: `${HOST}/`,
    authorization: suite("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
  },
  {
    name: "get-vanilla-empty-query-key",
    method: "GET",
    url: `${HOST}/?Param1=value1`,
    authorization: suite("host;x-amz-date", "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    url: `${HOST}/?Param2=value2&Param1=value1`,
    authorization: suite("host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
  },
  {
    name: "get-vanilla-query-unreserved",
    method: "GET",
    url: `${HOST}/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz`,
    authorization: suite("host;x-amz-date", "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
  },
  {
    name: "get-vanilla-utf8-query",
    method: "GET",
    url: `${HOST}/?ሴ=bar`,
    authorization: suite("host;x-amz-date", "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
  },
  {
    name: "get-unreserved",
    method: "GET",
    url: `${HOST}/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz`,
    authorization: suite("host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
  },
  {
    name: "get-utf8",
    method: "GET",
    url: `${HOST}/ሴ`,
    singleEncode: true,
    authorization: suite("host;x-amz-date", "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
  },
  {
    name: "get-header-value-trim",
    method: "GET",
    url: `${HOST}/`,
    headers: { "My-Header1": " value1", "My-Header2": ' "a   b   c"' },
    authorization: suite(
      "host;my-header1;my-header2;x-amz-date",
      "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    ),
  },
  {
    name: "post-vanilla",
    method: "POST",
    url: `${HOST}/`,
    authorization: suite("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
  },
  {
    name: "post-vanilla-query",
    method: "POST",
    url: `${HOST}/?Param1=value1`,
    authorization: suite("host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
  },
  {
    name: "post-header-key-sort",
    method: "POST",
    url: `${HOST}/`,
    headers: { "My-Header1": "value1" },
    authorization: suite("host;my-header1;x-amz-date", "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
  },
  {
    name: "post-header-value-case",
    method: "POST",
    url: `${HOST}/`,
    headers: { "My-Header1": "VALUE1" },
    authorization: suite("host;my-header1;x-amz-date", "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
  },
  {
    name: "post-sts-header-before",
    method: "POST",
    url: `${HOST}/`,
    sessionToken: STS_TOKEN,
    authorization: suite(
      "host;x-amz-date;x-amz-security-token",
      "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    ),
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    url: `${HOST}/`,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    allHeaders: true,
    authorization: suite("content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
  },
  {
    name: "post-x-www-form-urlencoded-parameters",
    method: "POST",
    url: `${HOST}/`,
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf8" },
    body: "Param1=value1",
    allHeaders: true,
    authorization: suite("content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
  },
];

const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const S3_CREDENTIAL = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
const s3 = (signedHeaders: string, signature: string): string =>
  `${S3_CREDENTIAL}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
const BUCKET = "https://examplebucket.s3.amazonaws.com";

const S3_VECTORS: Vector[] = [
  {
    name: "GET object with a range",
    method: "GET",
    url: `${BUCKET}/test.txt`,
    headers: { Range: "bytes=0-9", "x-amz-content-sha256": EMPTY_SHA256 },
    allHeaders: true,
    authorization: s3(
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    ),
  },
  {
    name: "PUT object with a signed payload and an escaped key",
    method: "PUT",
    url: `${BUCKET}/test$file.text`,
    headers: {
      Date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
    },
    body: "Welcome to Amazon S3.",
    authorization: s3(
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    ),
  },
  {
    name: "GET bucket lifecycle (subresource without a value)",
    method: "GET",
    url: `${BUCKET}/?lifecycle`,
    headers: { "x-amz-content-sha256": EMPTY_SHA256 },
    authorization: s3("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
  },
  {
    name: "GET bucket listing (query sorted)",
    method: "GET",
    url: `${BUCKET}/?max-keys=2&prefix=J`,
    headers: { "x-amz-content-sha256": EMPTY_SHA256 },
    authorization: s3("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
  },
];

async function authorization(
  client: AwsClient,
  vector: Vector,
  datetime: string,
): Promise<string | null> {
  const signed = await client.sign(vector.url, {
    method: vector.method,
    headers: vector.headers ?? {},
    ...(vector.body === undefined ? {} : { body: vector.body }),
    aws: {
      datetime,
      allHeaders: vector.allHeaders ?? false,
      singleEncode: vector.singleEncode ?? false,
      ...(vector.sessionToken ? { sessionToken: vector.sessionToken } : {}),
    },
  });
  return signed.headers.get("authorization");
}

describe("SigV4: AWS Signature Version 4 test suite", () => {
  const client = new AwsClient({
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    region: "us-east-1",
    service: "service",
    retries: 0,
  });
  for (const vector of SUITE_VECTORS) {
    it(vector.name, async () => {
      expect(await authorization(client, vector, "20150830T123600Z")).toBe(vector.authorization);
    });
  }

  it("a different secret gives a different signature", async () => {
    const other = new AwsClient({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x", region: "us-east-1", service: "service" });
    const vector = SUITE_VECTORS[0]!;
    expect(await authorization(other, vector, "20150830T123600Z")).not.toBe(vector.authorization);
  });
});

describe("SigV4: Amazon S3 API reference examples", () => {
  const client = new AwsClient({
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    region: "us-east-1",
    service: "s3",
    retries: 0,
  });
  for (const vector of S3_VECTORS) {
    it(vector.name, async () => {
      expect(await authorization(client, vector, "20130524T000000Z")).toBe(vector.authorization);
    });
  }
});
