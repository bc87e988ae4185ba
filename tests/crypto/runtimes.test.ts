// The small-object crypto writes the same bytes on Node, Bun and Deno, on
// its node:crypto backend there, in agreement with WebCrypto and
// @noble/ciphers (C2; the release binary is a Bun build).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the crypto backends on every runtime", () => {
  it("agree with WebCrypto and @noble/ciphers, natively, with the same bytes on Node, Bun and Deno", async () => {
    const fixture = join(import.meta.dirname, "runtime", "backend-outputs.ts");
    const bin = join(process.cwd(), "node_modules", ".bin");
    const [node, bun, deno] = await Promise.all([
      run(join(bin, "tsx"), [fixture]),
      run(join(bin, "bun"), ["run", fixture]),
      run(join(bin, "deno"), ["run", "-A", "--quiet", fixture]),
    ]);
    const lines = node.stdout.trim().split("\n");
    expect(lines[0]).toBe("native true");
    expect(lines.length).toBe(7);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\d+ true [0-9a-f]{64} [0-9a-f]{64} [0-9a-f]{64}$/);
    expect(bun.stdout).toBe(node.stdout);
    expect(deno.stdout).toBe(node.stdout);
  }, 60_000);
});
