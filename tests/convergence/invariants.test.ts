// The convergence run's parts that need no machine (A8, A16): the schedule is
// a function of its seed, and each invariant catches the fault it is for
// when it is broken on purpose.
import { describe, expect, it } from "vitest";
import { contentOf, sha } from "./apply.ts";
import { baseMatchesDisk, conflictCopies, conflictOriginal, convergence, mustSurvive, noDataLost, noTempFiles, unaskedDeletions, unaskedNodes, type AppliedOp } from "./invariants.ts";
import type { HistoryEntry } from "./server-history.ts";
import { Rng } from "../helpers/prng.ts";
import { describeStep, makeSchedule } from "./schedule.ts";
import type { Entry, Snapshot } from "./snapshot.ts";

const file = (s: string, extra: Partial<Entry> = {}): Entry => ({ kind: "file", sha: s, size: 1, mtimeMs: 5, ino: 9, ...extra });
const dir: Entry = { kind: "dir", sha: "", size: 0, mtimeMs: 0, ino: 3 };
const snap = (entries: Array<[string, Entry]>): Snapshot => new Map(entries);

describe("the schedule", () => {
  it("is the same for the same seed and differs for another (determinism)", () => {
    const a = makeSchedule(42, { agents: 3, steps: 200 });
    expect(makeSchedule(42, { agents: 3, steps: 200 })).toEqual(a);
    expect(makeSchedule(43, { agents: 3, steps: 200 })).not.toEqual(a);
    expect(a.map(describeStep).every((l) => l.length > 0)).toBe(true);
  });

  it("draws every kind of operation and fault over a few seeds", () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      for (const step of makeSchedule(seed, { agents: 3, steps: 100 })) kinds.add(step.at === "agent" ? step.op.kind : step.at === "fault" ? step.fault.kind : "settle");
    }
    expect([...kinds].sort()).toEqual(["append", "delete", "editor-save", "ignore-rule", "kill-agent", "mkdir", "network-down", "rename", "replace-with-folder", "crash-server", "rmdir", "settle", "touch", "truncate", "write"].sort());
    expect(makeSchedule(5, { agents: 3, steps: 300, serverRestarts: false }).some((s) => s.at === "fault" && s.fault.kind === "crash-server")).toBe(false);
  });

  it("the generator and the contents are reproducible", () => {
    const r1 = new Rng(7);
    const r2 = new Rng(7);
    expect([r1.next(), r1.between(1, 6), r1.pick(["a", "b", "c"])]).toEqual([r2.next(), r2.between(1, 6), r2.pick(["a", "b", "c"])]);
    expect(() => r1.pick([])).toThrow(/empty/);
    expect(sha(contentOf(3, 1000))).toBe(sha(contentOf(3, 1000)));
    expect(sha(contentOf(3, 1000))).not.toBe(sha(contentOf(4, 1000)));
  });
});

describe("each invariant fails when it is broken", () => {
  it("convergence: a machine or the server's tree that differs", () => {
    const one = snap([["d", dir], ["d/a", file("x")]]);
    expect(convergence([one, snap([["d", dir], ["d/a", file("x", { ino: 77 })]])], one)).toEqual([]); // stamps are local
    expect(convergence([one, snap([["d", dir], ["d/a", file("y")]])], one)[0]).toMatch(/machine 1 differs/);
    expect(convergence([one, one], snap([["d", dir]]))[0]).toMatch(/server's tree/);
  });

  it("no temp files", () => {
    expect(noTempFiles([snap([["a", file("x")]])])).toEqual([]);
    expect(noTempFiles([snap([]), snap([["d/.syncagent-tmp-123", file("x")]])])[0]).toMatch(/machine 1 has a temp file/);
  });

  it("conflict copies: no duplicates of one content, no copy equal to its file", () => {
    expect(conflictOriginal("d/notes.conflict-20261201-110035-m1.txt")).toBe("d/notes.txt");
    expect(conflictOriginal("notes.txt")).toBeNull();
    const ok = snap([["n.txt", file("a")], ["n.conflict-20261201-110035-m1.txt", file("b")]]);
    expect(conflictCopies(ok)).toEqual([]);
    const twice = snap([["n.txt", file("a")], ["n.conflict-20261201-110035-m1.txt", file("b")], ["n.conflict-20261201-110036-m2.txt", file("b")]]);
    expect(conflictCopies(twice)[0]).toMatch(/two conflict copies/);
    const falseOne = snap([["n.txt", file("a")], ["n.conflict-20261201-110035-m1.txt", file("a")]]);
    expect(conflictCopies(falseOne)[0]).toMatch(/false conflict/);
  });

  it("the synced base equals the disk", () => {
    const disk = snap([["d", dir], ["d/a", file("x")]]);
    const base = new Map([["d", { kind: "dir" as const, size: 0, mtimeMs: 0, ino: 3 }], ["d/a", { kind: "file" as const, size: 1, mtimeMs: 5, ino: 9 }]]);
    expect(baseMatchesDisk(0, base, disk)).toEqual([]);
    expect(baseMatchesDisk(0, new Map([...base, ["gone", { kind: "file" as const, size: 1, mtimeMs: 1, ino: 1 }]]), disk)[0]).toMatch(/base has gone/);
    expect(baseMatchesDisk(0, new Map([...base].slice(0, 1)), disk)[0]).toMatch(/disk has d\/a/);
    expect(baseMatchesDisk(0, new Map([...base, ["d/a", { kind: "file" as const, size: 2, mtimeMs: 5, ino: 9 }]]), disk)[0]).toMatch(/not what the base recorded/);
    expect(baseMatchesDisk(0, new Map([...base, ["d", { kind: "file" as const, size: 0, mtimeMs: 0, ino: 3 }]]), disk)[0]).toMatch(/is a dir on disk/);
    // An ignored path keeps its base entry (a new rule deletes nothing); what syncs must be in the base.
    const whole = snap([...disk, ["photos", dir]]);
    const withIgnored = new Map([...base, ["photos", { kind: "dir" as const, size: 0, mtimeMs: 0, ino: 3 }]]);
    expect(baseMatchesDisk(0, withIgnored, whole, disk)).toEqual([]);
    expect(baseMatchesDisk(0, base, whole, whole)[0]).toMatch(/disk has photos/);
    // An ignored file changed or deleted here keeps its old base entry: not compared.
    const ignoredBase = new Map([...base, ["photos/a.md", { kind: "file" as const, size: 1, mtimeMs: 1, ino: 5 }]]);
    const notSyncing = (path: string) => !path.startsWith("photos");
    expect(baseMatchesDisk(0, ignoredBase, whole, disk, notSyncing)).toEqual([]);
    expect(baseMatchesDisk(0, ignoredBase, whole, disk)[0]).toMatch(/base has photos\/a.md/);
  });

  it("no data lost: an untouched content must be somewhere; an overwritten or deleted one need not", () => {
    const w = (step: number, path: string, s: string) => ({ step, agent: 0, path, sha: s });
    const ran = (step: number, op: AppliedOp["op"], skipped: string | null = null): AppliedOp => ({ step, agent: 1, op, skipped, at: step });
    const written = [w(1, "a", "A1"), w(2, "b", "B1"), w(3, "d/c", "C1"), w(4, "e", "E1"), w(4, "e", "E2")];
    const applied = [ran(5, { kind: "write", path: "a", size: 1, fill: 1 }), ran(6, { kind: "rename", from: "d", to: "x" }), ran(7, { kind: "delete", path: "b" }, "ENOENT")];
    const survivors = mustSurvive(written, applied);
    expect(survivors.map((s) => s.sha).sort()).toEqual(["B1", "E2"]); // a overwritten, d moved; b's delete did not run; e's first save overwritten by its last
    expect(noDataLost(survivors, [snap([["b", file("B1")], ["e2", file("E2")]])])).toEqual([]);
    expect(noDataLost(survivors, [snap([["b", file("B1")]])])[0]).toMatch(/lost: .* at e \(step 4\)/);
  });

  it("the server's history: a deletion or a new node needs an operation that asked for it", () => {
    const ran = (at: number, op: AppliedOp["op"], skipped: string | null = null): AppliedOp => ({ step: at, agent: 0, op, skipped, at });
    const v = (path: string, version: number, kind: HistoryEntry["kind"], at: number, nodeId = path.padEnd(32, "0")): HistoryEntry => ({ nodeId, version, kind, path, at, seq: at, machineId: null, origin: "commit" });
    const applied = [
      ran(1, { kind: "write", path: "docs/a.txt", size: 1, fill: 1 }),
      ran(2, { kind: "rmdir", path: "docs" }),
      ran(3, { kind: "write", path: "b.txt", size: 1, fill: 2 }),
      ran(4, { kind: "rename", from: "b.txt", to: "photos/c.txt" }),
      ran(5, { kind: "delete", path: "gone.txt" }, "no such file"),
      ran(6, { kind: "editor-save", path: "e.md", size: 1, fill: 3, times: 2 }),
      ran(7, { kind: "editor-save", path: "f", size: 1, fill: 4, times: 1 }, "EISDIR"), // its temp file stays: a half-done operation
    ];
    const sound = [v("docs", 1, "dir", 1), v("docs/a.txt", 1, "file", 1), v("docs", 2, "delete", 2), v("b.txt", 1, "file", 3), v("photos", 1, "dir", 4), v("e.md.~save0", 1, "file", 6), v("e.md.~save0", 2, "delete", 7), v("e.md", 1, "file", 7), v("e.conflict-20261203-101010-m1.md", 1, "file", 8), v("f.~save0", 1, "file", 8)];
    expect(unaskedDeletions(sound, applied)).toEqual([]);
    expect(unaskedNodes(sound, applied)).toEqual([]);
    // A receiver deleting a file nobody removed (and uploading it again), a deletion a skipped operation did not make, one recorded before its operation ran.
    const broken = [...sound, v("b.txt", 2, "delete", 3.5), v("b.txt", 1, "file", 3.6, "f".repeat(32)), v("gone.txt", 2, "delete", 9), v("docs/a.txt", 2, "delete", 1.5)];
    expect(unaskedDeletions(broken, applied)).toEqual([
      expect.stringMatching(/deletion no operation asked for: b\.txt/),
      expect.stringMatching(/deletion no operation asked for: gone\.txt/),
      expect.stringMatching(/deletion no operation asked for: docs\/a\.txt/),
    ]);
    expect(unaskedNodes(broken, applied)).toEqual(["2 nodes were created at b.txt, where 1 operation wrote, made or moved something"]);
  });
});
