/** `syncfile://` links parsed and made (W6, D1): nothing a link says can leave the synced folder. */
import { describe, expect, it } from "vitest";
import { LinkError, MAX_LINK_LENGTH, nodeLink, parseSyncfileUrl, pathLink } from "../../../lib/agent/links/syncfile-url.ts";

const VAULT = "a".repeat(32);
const NODE = "0123456789abcdef0123456789abcdef";

function refused(url: string): string {
  try {
    parseSyncfileUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(LinkError);
    expect((error as LinkError).code).toBe("malformed");
    return (error as LinkError).message;
  }
  throw new Error(`accepted ${url}`);
}

describe("syncfile:// links (W6, D1)", () => {
  it("parses the node form and the path form, and makes both", () => {
    expect(parseSyncfileUrl(nodeLink(VAULT, NODE))).toEqual({ vaultId: VAULT, target: { kind: "node", nodeId: NODE } });
    expect(parseSyncfileUrl(`SyncFile://${VAULT}/${NODE}`).target).toEqual({ kind: "node", nodeId: NODE });
    const link = pathLink(VAULT, ["Reports 2026", "Q1 résumé #1 (final).txt"]);
    expect(link).toBe(`syncfile://${VAULT}/path/Reports%202026/Q1%20r%C3%A9sum%C3%A9%20%231%20(final).txt`);
    expect(parseSyncfileUrl(link).target).toEqual({ kind: "path", segments: ["Reports 2026", "Q1 résumé #1 (final).txt"] });
  });

  it("normalises names to NFC, as the folder's names are", () => {
    const nfd = "re\u0301sume\u0301.txt";
    const parsed = parseSyncfileUrl(`syncfile://${VAULT}/path/${encodeURIComponent(nfd)}`);
    expect(parsed.target).toEqual({ kind: "path", segments: ["résumé.txt"] });
  });

  it("refuses every way out of the synced folder", () => {
    for (const tail of ["path/..", "path/a/../../etc", "path/%2e%2e/x", "path/./a", "path/a//b", "path/", "path/a%2Fb", "path/a%5Cb", "path/C:%5Cx", "path/c:", "path/a%00b", "path/a%0Ab", "path/%E0%A4%A"]) {
      expect(refused(`syncfile://${VAULT}/${tail}`)).toMatch(/path|percent/);
    }
  });

  it("refuses what is not a link of this form, saying what is wrong", () => {
    expect(refused(`https://${VAULT}/${NODE}`)).toContain("does not start with syncfile://");
    expect(refused(`syncfile://${VAULT.toUpperCase()}/${NODE}`)).toContain("vault id");
    expect(refused(`syncfile://../${NODE}`)).toContain("vault id");
    expect(refused(`syncfile://${VAULT}/${NODE}?x=1`)).toContain("query");
    expect(refused(`syncfile://${VAULT}/${NODE}#top`)).toContain("query");
    expect(refused(`syncfile://${VAULT}/${NODE}/more`)).toContain("expected");
    expect(refused(`syncfile://${VAULT}`)).toContain("expected");
    expect(refused(`syncfile://${VAULT}/path/${"a/".repeat(MAX_LINK_LENGTH)}`)).toContain("longer than");
    expect(() => nodeLink(VAULT, "not-an-id")).toThrow(LinkError);
    expect(() => pathLink(VAULT, ["a", ".."])).toThrow(LinkError);
  });
});
