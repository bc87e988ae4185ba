/**
 * The S3 XML documents the S3 adapter reads (a ListObjectsV2 page, an error,
 * the answers to CreateMultipartUpload and CompleteMultipartUpload) and the
 * one it writes (the part list of CompleteMultipartUpload).
 *
 * Reading goes through `fast-xml-parser`, set up for S3's machine-written
 * documents: a document that is not well-formed XML is refused, namespaces
 * (`xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`, `s3:` prefixes) are
 * ignored, text is never converted (a key `0001` stays `"0001"`) nor
 * trimmed (a key may start or end with a space), CDATA sections are text,
 * and entity references are decoded once: the five XML entities and
 * numeric references, nothing declared in a DOCTYPE.
 */
import { XMLParser, type EntityDecoderOptions } from "fast-xml-parser";

/** One page of a ListObjectsV2 answer. */
export interface ListPage {
  objects: { key: string; size: number }[];
  /** Token for the next page, present when the listing is truncated. */
  nextToken: string | undefined;
  truncated: boolean;
}

/** The code and message of an S3 `<Error>` document (empty strings when absent). */
export interface S3ErrorBody {
  code: string;
  message: string;
}

/**
 * What a CompleteMultipartUpload answer says. S3 may answer 200 and still
 * fail: the body is then an `<Error>` document, or (cut off) neither.
 */
export type CompleteAnswer = { completed: true } | { completed: false; error: S3ErrorBody };

/** A part of a multipart upload, as CompleteMultipartUpload lists it. */
export interface UploadedPart {
  /** 1, 2, 3… */
  partNumber: number;
  /** The part's `ETag` answer header, quotes included. */
  etag: string;
}

/** An answer that is not the XML document the request calls for. */
export class S3XmlError extends Error {
  override readonly name = "S3XmlError";
}

/** Elements that may repeat, read as arrays even when there is one. */
const REPEATED = new Set(["Contents"]);

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric references in one pass; anything else is kept as written. */
const xmlEntities: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text) =>
    text.includes("&")
      ? text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]+);/g, (whole, name: string) => {
          if (!name.startsWith("#")) return NAMED_ENTITIES[name] ?? whole;
          const codePoint = name.startsWith("#x") ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
          return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
        })
      : text,
};

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  entityDecoder: xmlEntities,
  isArray: (name) => REPEATED.has(name),
});

/**
 * Reads a ListObjectsV2 result. Entries without a key or a size are skipped.
 * @throws S3XmlError when the text is not a well-formed `<ListBucketResult>`.
 */
export function parseListPage(xml: string): ListPage {
  const root = documentElement(xml, "ListBucketResult");
  if (!root) throw new S3XmlError(`expected a ListBucketResult document, got ${preview(xml)}`);
  const objects: ListPage["objects"] = [];
  for (const entry of arrayOf(root.Contents)) {
    const contents = asElement(entry);
    const key = text(contents?.Key);
    const size = text(contents?.Size);
    if (key !== undefined && size !== undefined && /^\d+$/.test(size) && Number.isSafeInteger(Number(size))) {
      objects.push({ key, size: Number(size) });
    }
  }
  return {
    objects,
    nextToken: text(root.NextContinuationToken),
    truncated: text(root.IsTruncated)?.trim() === "true",
  };
}

/** Reads an S3 error document; anything else (another document, HTML, garbage) gives empty fields. */
export function parseErrorBody(xml: string): S3ErrorBody {
  const root = documentElement(xml, "Error");
  return { code: text(root?.Code)?.trim() ?? "", message: text(root?.Message) ?? "" };
}

/**
 * Reads the upload id from an InitiateMultipartUploadResult.
 * @throws S3XmlError when the text is not one, or names no upload id.
 */
export function parseUploadId(xml: string): string {
  const uploadId = text(documentElement(xml, "InitiateMultipartUploadResult")?.UploadId);
  if (!uploadId) throw new S3XmlError(`expected an InitiateMultipartUploadResult with an UploadId, got ${preview(xml)}`);
  return uploadId;
}

/** Reads the answer to CompleteMultipartUpload: completed only when it is a `<CompleteMultipartUploadResult>`. */
export function parseCompleteAnswer(xml: string): CompleteAnswer {
  if (documentElement(xml, "CompleteMultipartUploadResult")) return { completed: true };
  const error = parseErrorBody(xml);
  if (error.code) return { completed: false, error };
  return { completed: false, error: { code: "", message: `the answer is not a CompleteMultipartUploadResult (${preview(xml)})` } };
}

/** The CompleteMultipartUpload request body listing `parts` in order. */
export function completeUploadBody(parts: readonly UploadedPart[]): string {
  const items = parts.map(
    (part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeText(part.etag)}</ETag></Part>`,
  );
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join("")}</CompleteMultipartUpload>`;
}

/** The root element `name` of a well-formed document, or undefined for any other text. */
function documentElement(xml: string, name: string): Record<string, unknown> | undefined {
  let document: unknown;
  try {
    document = parser.parse(xml.trimStart(), true);
  } catch {
    return undefined;
  }
  return asElement(asElement(document)?.[name]);
}

/** An element's children by name; an element with text only (or nothing) has none. */
function asElement(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === "string") return {};
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return undefined;
}

/** The text of a leaf element, or undefined when it is absent, repeated or has children. */
function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function escapeText(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The start of an answer, for messages. */
function preview(xml: string): string {
  const start = xml.trim().slice(0, 80);
  return start ? JSON.stringify(start) : "an empty answer";
}
