// The self-check's database half (lib/selfcheck/database.ts): opens a real
// SQLite file in WAL mode in a temp folder, writes and reads a row, and
// leaves nothing behind.
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { runDatabaseSelfCheck } from "../../lib/selfcheck/database.ts";

describe("runDatabaseSelfCheck", () => {
  it("passes on this machine and removes its temp folder", async () => {
    const before = new Set((await readdir(tmpdir())).filter((f) => f.startsWith("syncagent-check-")));
    const result = await runDatabaseSelfCheck();
    expect(result).toMatchObject({ name: "sqlite (libsql)", ok: true });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(result).not.toHaveProperty("detail");
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith("syncagent-check-") && !before.has(f));
    expect(after).toEqual([]);
  });
});
