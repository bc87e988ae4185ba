// Password hashes off the event loop (S6, security): under Bun a login check runs natively on a thread pool,
// so the server process keeps answering while it runs; elsewhere hash-wasm computes it. Both make and read the
// same PHC strings. Checked under both runtimes, each in its own process.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = join(process.cwd(), "node_modules", ".bin");
const fixture = join(import.meta.dirname, "fixtures", "argon2-ticks.ts");

interface Ticks {
  ticks: number;
  ms: number;
  ok: boolean[];
}
interface Result {
  kind: string;
  format: boolean;
  wasmVerifiesRuntime: boolean;
  runtimeVerifiesWasm: boolean;
  wrongRefused: boolean;
  malformedRefused: boolean;
  runtimeTicks: Ticks;
  wasmTicks: Ticks;
}

async function resultUnder(command: string, args: string[]): Promise<Result> {
  const { stdout } = await run(command, [...args, fixture], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Result;
}

describe("Argon2id PHC hashes by runtime", () => {
  it("under Bun: the native hasher, whose checks leave the event loop running, and whose strings hash-wasm reads", async () => {
    const r = await resultUnder(join(bin, "bun"), ["run"]);
    expect(r).toMatchObject({ kind: "bun", format: true, wasmVerifiesRuntime: true, runtimeVerifiesWasm: true, wrongRefused: true, malformedRefused: true });
    expect(r.runtimeTicks.ok).toEqual([true, true]);
    // Two checks take a few hundred ms: the timer keeps ticking through the native ones
    // and not through hash-wasm's, which hold the thread (the measure tells the two apart).
    expect(r.runtimeTicks.ticks).toBeGreaterThanOrEqual(Math.floor(r.runtimeTicks.ms / 10 / 3));
    expect(r.wasmTicks.ticks).toBeLessThanOrEqual(2);
  }, 60_000);

  it("under Node: hash-wasm", async () => {
    const r = await resultUnder(join(bin, "tsx"), []);
    expect(r).toMatchObject({ kind: "wasm", format: true, wasmVerifiesRuntime: true, runtimeVerifiesWasm: true, wrongRefused: true, malformedRefused: true });
    expect(r.runtimeTicks.ok).toEqual([true, true]);
  }, 60_000);
});
