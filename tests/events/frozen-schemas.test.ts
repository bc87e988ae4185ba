/**
 * Published event schemas never change (E1, E7): every registered (type,
 * version) payload schema equals its frozen JSON copy in
 * lib/events/schemas/frozen/, and `npm run schemas:freeze` (scripts/
 * freeze-schemas.ts) writes new copies but refuses to overwrite one unless
 * `--force` names a version that was never released.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareWithFrozen,
  describeFrozenProblem,
  EDIT_ADVICE,
  freezeSchema,
  registeredSchemas,
  type RegisteredSchema,
} from "../../lib/events/frozen-schemas.ts";
import { eventSchemas } from "../../lib/events/schemas/index.ts";
import { authEventSchemas } from "../../lib/events/schemas/auth.ts";
import { commandEventSchemas } from "../../lib/events/schemas/machine-commands.ts";
import { FROZEN_DIR, readFrozen, readReleased } from "../../scripts/freeze-schemas.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs scripts/freeze-schemas.ts as `npm run schemas:freeze` does (tsx), to completion. */
function runScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/freeze-schemas.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

describe("the frozen copies in the repository", () => {
  it("exist for every registered schema and equal it", () => {
    const entries = compareWithFrozen(readFrozen(FROZEN_DIR), readReleased(FROZEN_DIR));
    const problems = entries.map(describeFrozenProblem).filter((p): p is string => p !== undefined);
    expect(problems, problems.join("\n")).toEqual([]);
  });

  it("cover the whole registry, file, auth and command events alike", () => {
    const names = registeredSchemas().map((s) => `${s.type}.v${s.version}`);
    const expected = [
      ...Object.entries(eventSchemas).flatMap(([type, versions]) => Object.keys(versions).map((v) => `${type}.v${v}`)),
      ...Object.keys(authEventSchemas).map((type) => `${type}.v1`),
      ...Object.keys(commandEventSchemas).map((type) => `${type}.v1`),
    ];
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set(expected));
    expect([...readFrozen(FROZEN_DIR).keys()].sort()).toEqual([...names].sort());
  });

  it("list in released.json only versions that have a frozen copy", () => {
    const frozen = readFrozen(FROZEN_DIR);
    for (const name of readReleased(FROZEN_DIR)) expect(frozen.has(name), `${name} is released but not frozen`).toBe(true);
  });
});

describe("compareWithFrozen", () => {
  const v1 = z.object({ id: z.string(), size: z.number().int() }).strict();
  const registry = (schema: z.ZodType): RegisteredSchema[] => [{ type: "Thing", version: 1, schema }];
  const frozen = new Map([["Thing.v1", freezeSchema(v1)]]);

  it("finds an edited schema and says to add a version with an upcaster", () => {
    const edited = z.object({ id: z.string(), size: z.number().int(), extra: z.string().optional() }).strict();
    const [entry] = compareWithFrozen(frozen, new Set(), registry(edited));
    expect(entry).toMatchObject({ name: "Thing.v1", status: "changed", released: false });
    expect(describeFrozenProblem(entry!)).toContain("add a new version with an upcaster instead of editing a published schema");
    const [released] = compareWithFrozen(frozen, new Set(["Thing.v1"]), registry(edited));
    expect(describeFrozenProblem(released!)).toContain(EDIT_ADVICE);
    expect(describeFrozenProblem(released!)).not.toContain("--force");
  });

  it("finds a loosened constraint, not only a new field", () => {
    for (const loose of [z.object({ id: z.string(), size: z.number() }).strict(), z.object({ id: z.string(), size: z.number().int() })]) {
      expect(compareWithFrozen(frozen, new Set(), registry(loose))[0]?.status).toBe("changed");
    }
  });

  it("finds a schema with no frozen copy and a frozen copy with no schema", () => {
    const [missing] = compareWithFrozen(new Map(), new Set(), registry(v1));
    expect(missing).toMatchObject({ status: "missing" });
    expect(describeFrozenProblem(missing!)).toContain(EDIT_ADVICE);
    const entries = compareWithFrozen(new Map([...frozen, ["Gone.v1", freezeSchema(v1)]]), new Set(["Gone.v1"]), registry(v1));
    expect(entries.map((e) => [e.name, e.status])).toEqual([
      ["Gone.v1", "orphan"],
      ["Thing.v1", "unchanged"],
    ]);
    expect(describeFrozenProblem(entries[0]!)).toMatch(/released but no longer registered/);
  });

  it("ignores only formatting and key order of the file", () => {
    const reordered = JSON.stringify(JSON.parse(frozen.get("Thing.v1")!) as unknown);
    expect(compareWithFrozen(new Map([["Thing.v1", reordered]]), new Set(), registry(v1))[0]?.status).toBe("unchanged");
  });
});

describe("npm run schemas:freeze", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "syncagent-frozen-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("freezes every schema into an empty folder, then leaves the copies alone", async () => {
    const first = await runScript(["--dir", dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("froze FileVersionCommitted.v1");
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(registeredSchemas().map((s) => `${s.type}.v${s.version}.json`).sort());
    for (const file of files) expect(await readFile(join(dir, file), "utf8")).toBe(await readFile(join(FROZEN_DIR, file), "utf8"));
    const again = await runScript(["--dir", dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("froze");
    expect(again.stdout).toContain("unchanged TrashPurged.v1");
  });

  it("refuses to overwrite a copy that differs, re-freezes it with --force while unreleased, never once released", async () => {
    const work = await mkdtemp(join(tmpdir(), "syncagent-frozen-"));
    try {
      await cp(FROZEN_DIR, work, { recursive: true });
      const file = join(work, "TrashPurged.v1.json");
      const original = await readFile(file, "utf8");
      const tampered = original.replace('"retention"', '"retention-edited"');
      expect(tampered).not.toBe(original);
      await writeFile(file, tampered);

      const refused = await runScript(["--dir", work]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("TrashPurged.v1 differs from its frozen copy");
      expect(refused.stderr).toContain(EDIT_ADVICE);
      expect(await readFile(file, "utf8")).toBe(tampered);

      await writeFile(join(work, "released.json"), JSON.stringify({ released: ["TrashPurged.v1"] }));
      const released = await runScript(["--dir", work, "--force"]);
      expect(released.code).toBe(1);
      expect(released.stderr).toContain("has been released");
      expect(await readFile(file, "utf8")).toBe(tampered);

      await writeFile(join(work, "released.json"), JSON.stringify({ released: [] }));
      const forced = await runScript(["--dir", work, "--force", "TrashPurged.v1"]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain("re-froze TrashPurged.v1");
      expect(await readFile(file, "utf8")).toBe(original);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("drops an unreleased copy whose schema is gone only with --force", async () => {
    const work = await mkdtemp(join(tmpdir(), "syncagent-frozen-"));
    try {
      await cp(FROZEN_DIR, work, { recursive: true });
      await writeFile(join(work, "Retired.v1.json"), "{}\n");
      const refused = await runScript(["--dir", work]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("Retired.v1 is frozen but no longer registered");
      const forced = await runScript(["--dir", work, "--force"]);
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain("dropped Retired.v1");
      expect(await readdir(work)).not.toContain("Retired.v1.json");
      const unknown = await runScript(["--dir", work, "--force", "Nothing.v9"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("no registered schema or frozen copy is named Nothing.v9");
      expect((await runScript(["--dir", work, "TrashPurged.v1"])).code).toBe(2);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
