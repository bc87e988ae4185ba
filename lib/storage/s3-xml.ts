/**
 * The two S3 XML documents the S3 adapter reads: a ListObjectsV2 page and an
 * error. Both are flat and machine-written, so a few anchored patterns read
 * them; entity references are decoded.
 */

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

/** Reads a ListObjectsV2 result. */
export function parseListPage(xml: string): ListPage {
  const objects: ListPage["objects"] = [];
  for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const body = match[1] ?? "";
    const key = element(body, "Key");
    const size = Number(element(body, "Size") ?? "NaN");
    if (key !== undefined && Number.isSafeInteger(size)) objects.push({ key, size });
  }
  return {
    objects,
    nextToken: element(xml, "NextContinuationToken"),
    truncated: element(xml, "IsTruncated") === "true",
  };
}

/** Reads an S3 error document; anything else gives empty fields. */
export function parseErrorBody(xml: string): S3ErrorBody {
  const error = /<Error>([\s\S]*?)<\/Error>/.exec(xml)?.[1] ?? "";
  return { code: element(error, "Code") ?? "", message: element(error, "Message") ?? "" };
}

function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeEntities(match[1]);
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return NAMED_ENTITIES[name] ?? whole;
  });
}
