import { describe, expect, it } from "vitest";
import { reportableError } from "../../../lib/agent/engine/agent-runtime.ts";
import { NetworkError, ServerError } from "../../../lib/agent/client/http.ts";
import { IntegrityError } from "../../../lib/crypto/errors.ts";

describe("what an error report may say: never a name or a path (A14, C5)", () => {
  it("keeps a file-system error's code and drops its message, which names the path", () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/home/ada/SyncAgent/secret plans.txt'"), { code: "EACCES" });
    const text = reportableError(error);
    expect(text).toBe("File system error EACCES");
    expect(text).not.toMatch(/secret|home|\//);
  });

  it("says integrity, server and network failures in fixed words", () => {
    expect(reportableError(new IntegrityError("Refusing node abc: … 'tax-2026.pdf'"))).toBe("Integrity check failed: the server's data was refused");
    expect(reportableError(new ServerError(409, "conflict", "http://x/api/commits: the name 'a.txt' is taken"))).toBe("Server refused the change (409)");
    expect(reportableError(new NetworkError("Cannot reach the server at http://x"))).toBe("Server unreachable");
    expect(reportableError(new RangeError("A download target must be inside /home/ada"))).toBe("RangeError");
    expect(reportableError(new Error("anything with /a/path"))).toBe("Sync step failed");
  });
});
