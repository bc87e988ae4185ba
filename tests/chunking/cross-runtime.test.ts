import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { boundaryReport } from "./fixtures/boundary-report.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const script = fileURLToPath(new URL("./fixtures/boundaries.ts", import.meta.url));
const bin = (name: string): string => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

const runtimes: Array<[string, string, string[]]> = [
  ["node (tsx)", bin("tsx"), [script]],
  ["bun", bin("bun"), ["run", script]],
  ["deno", bin("deno"), ["run", "-A", script]],
];

describe("chunk boundaries are identical on Node, Bun and Deno (K1)", () => {
  it("prints the same boundaries and chunk hashes under every runtime", async () => {
    const expected = (await boundaryReport()).join("\n") + "\n";
    expect(expected.split("\n").filter((l) => l.startsWith("default ")).length).toBeGreaterThan(3);
    const outputs = await Promise.all(
      runtimes.map(async ([name, file, args]) => {
        const { stdout } = await run(file, args, {
          cwd: root,
          maxBuffer: 16 * 1024 * 1024,
          timeout: 50_000,
          env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
        });
        return [name, stdout] as const;
      }),
    );
    for (const [name, stdout] of outputs) expect({ name, stdout }).toEqual({ name, stdout: expected });
  });
});
