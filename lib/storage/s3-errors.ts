/**
 * Turns an unexpected S3 answer into an error that says what went wrong and
 * what to check: wrong credentials, a missing bucket, a wrong region…
 */
import { StorageUnavailableError } from "./errors.ts";
import { describeS3Location, type ResolvedS3Config } from "./s3-config.ts";
import { parseErrorBody } from "./s3-xml.ts";

/**
 * Reads the error document of `response` (if any) and builds the matching
 * `StorageUnavailableError`.
 * @param doing what the request did, for the message (`store chunk ab12…`).
 */
export async function s3ResponseError(
  response: Response,
  config: ResolvedS3Config,
  doing: string,
): Promise<StorageUnavailableError> {
  const text = await response.text().catch(() => "");
  return s3Error({ status: response.status, statusText: response.statusText, body: text }, config, doing);
}

/** An S3 answer whose body was already read. */
export interface S3Answer {
  status: number;
  statusText: string;
  /** The response body (an XML error document, or empty for HEAD). */
  body: string;
}

/**
 * Builds the `StorageUnavailableError` for an answer whose body was already read.
 * @param doing what the request did, for the message (`store chunk ab12…`).
 */
export function s3Error(answer: S3Answer, config: ResolvedS3Config, doing: string): StorageUnavailableError {
  const { code, message } = parseErrorBody(answer.body);
  const status = `${answer.status}${code ? ` ${code}` : ""}`;
  const where = describeS3Location(config);
  const fail = (reason: StorageUnavailableError["reason"], advice: string): StorageUnavailableError =>
    new StorageUnavailableError(`Cannot ${doing}: S3 at ${where} answered ${status}: ${advice}`, reason);

  switch (code) {
    case "SignatureDoesNotMatch":
      return fail("auth", `the secret access key is wrong for access key ${config.accessKeyId} (or the key is unknown)`);
    case "InvalidAccessKeyId":
      return fail("auth", `the access key id ${config.accessKeyId} is unknown to this service`);
    case "ExpiredToken":
    case "InvalidToken":
    case "TokenRefreshRequired":
      return fail("auth", "the session token is expired or invalid");
    case "AccessDenied":
    case "AllAccessDisabled":
      return fail("permission", `access key ${config.accessKeyId} may not do this in bucket ${config.bucket}; check its policy`);
    case "NoSuchBucket":
      return fail("missing-bucket", `bucket ${config.bucket} does not exist; create it or fix the bucket name`);
    case "AuthorizationHeaderMalformed":
    case "IllegalLocationConstraintException":
      return fail("config", `${message || "the request was refused"} (check the region setting, now ${config.region})`);
    case "PermanentRedirect":
    case "TemporaryRedirect":
      return fail("config", "the bucket is served from another endpoint or region; fix the endpoint and region settings");
    case "RequestTimeTooSkewed":
      return fail("config", "this machine's clock is too far from the service's; fix the clock");
    case "BadDigest":
    case "XAmzContentSHA256Mismatch":
    case "InvalidDigest":
      return fail("rejected", "the service received different bytes than were sent");
    default:
      break;
  }
  if (answer.status === 403) {
    return fail("auth", `the access key id or the secret access key is wrong, or key ${config.accessKeyId} may not use bucket ${config.bucket}`);
  }
  if (answer.status >= 300 && answer.status < 400) {
    return fail("config", "the bucket is served from another endpoint or region; fix the endpoint and region settings");
  }
  return fail("rejected", message || answer.statusText || "unexpected answer");
}
