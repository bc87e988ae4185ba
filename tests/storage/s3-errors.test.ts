/**
 * What the S3 adapter says for each refusal a service can give (S6): the
 * reason a caller branches on, and a message that says what to check. The
 * strict Swift run shows a few of these for real (s3-strict.test.ts); this
 * table covers every code the mapping knows, from the XML a service sends.
 */
import { describe, expect, it } from "vitest";
import { resolveS3Config } from "../../lib/storage/s3-config.ts";
import { s3Error, s3ResponseError } from "../../lib/storage/s3-errors.ts";

const config = resolveS3Config({
  endpoint: "https://s3.example.test",
  bucket: "vault",
  prefix: "chunks",
  region: "eu-west-3",
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "secret",
  forcePathStyle: true,
});

const xml = (code: string, message = ""): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

describe("s3Error", () => {
  it.each([
    ["SignatureDoesNotMatch", 403, "auth", "the secret access key is wrong for access key AKIDEXAMPLE"],
    ["InvalidAccessKeyId", 403, "auth", "the access key id AKIDEXAMPLE is unknown to this service"],
    ["ExpiredToken", 400, "auth", "the session token is expired or invalid"],
    ["InvalidToken", 400, "auth", "the session token is expired or invalid"],
    ["TokenRefreshRequired", 400, "auth", "the session token is expired or invalid"],
    ["AccessDenied", 403, "permission", "access key AKIDEXAMPLE may not do this in bucket vault"],
    ["AllAccessDisabled", 403, "permission", "check its policy"],
    ["NoSuchBucket", 404, "missing-bucket", "bucket vault does not exist"],
    ["PermanentRedirect", 301, "config", "served from another endpoint or region"],
    ["TemporaryRedirect", 307, "config", "served from another endpoint or region"],
    ["RequestTimeTooSkewed", 403, "config", "this machine's clock is too far from the service's"],
    ["BadDigest", 400, "rejected", "the service received different bytes than were sent"],
    ["XAmzContentSHA256Mismatch", 400, "rejected", "the service received different bytes than were sent"],
    ["InvalidDigest", 400, "rejected", "the service received different bytes than were sent"],
  ] as const)("%s (%i) is %s", (code, status, reason, advice) => {
    const error = s3Error({ status, statusText: "", body: xml(code) }, config, "store chunk ab12");
    expect(error.reason).toBe(reason);
    expect(error.message.startsWith(`Cannot store chunk ab12: S3 at s3://vault/chunks/ @ https://s3.example.test answered ${status} ${code}: `), error.message).toBe(true);
    expect(error.message).toContain(advice);
  });

  it("quotes the service's message for a region problem and names the region setting", () => {
    for (const code of ["AuthorizationHeaderMalformed", "IllegalLocationConstraintException"]) {
      const error = s3Error({ status: 400, statusText: "Bad Request", body: xml(code, "the region 'eu-west-3' is wrong; expecting 'us-east-1'") }, config, "open");
      expect(error.reason).toBe("config");
      expect(error.message).toContain("the region 'eu-west-3' is wrong; expecting 'us-east-1' (check the region setting, now eu-west-3)");
    }
    expect(s3Error({ status: 400, statusText: "", body: xml("AuthorizationHeaderMalformed") }, config, "open").message).toContain(
      "the request was refused (check the region setting",
    );
  });

  it("falls back on the status when there is no known code (HEAD answers have no body)", () => {
    const forbidden = s3Error({ status: 403, statusText: "Forbidden", body: "" }, config, "stat chunk");
    expect(forbidden.reason).toBe("auth");
    expect(forbidden.message).toMatch(/answered 403: the access key id or the secret access key is wrong, or key AKIDEXAMPLE may not use bucket vault$/);
    const moved = s3Error({ status: 301, statusText: "Moved Permanently", body: "" }, config, "list");
    expect(moved).toMatchObject({ reason: "config" });
    expect(moved.message).toContain("answered 301: the bucket is served from another endpoint");
    const odd = s3Error({ status: 409, statusText: "Conflict", body: xml("OperationAborted", "A conflicting operation is in progress") }, config, "delete");
    expect(odd).toMatchObject({ reason: "rejected" });
    expect(odd.message).toMatch(/answered 409 OperationAborted: A conflicting operation is in progress$/);
    expect(s3Error({ status: 500, statusText: "Internal Server Error", body: "" }, config, "get").message).toMatch(/answered 500: Internal Server Error$/);
    expect(s3Error({ status: 502, statusText: "", body: "" }, config, "get").message).toMatch(/answered 502: unexpected answer$/);
  });
});

describe("s3ResponseError", () => {
  it("reads the error document of a real Response", async () => {
    const response = new Response(xml("NoSuchBucket", "The specified bucket does not exist"), { status: 404, statusText: "Not Found" });
    const error = await s3ResponseError(response, config, "open the chunk store");
    expect(error).toMatchObject({ reason: "missing-bucket" });
    expect(error.message).toMatch(/^Cannot open the chunk store: S3 at .* answered 404 NoSuchBucket: bucket vault does not exist/);
  });
});
