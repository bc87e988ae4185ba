/**
 * Property runs of the coordinator (A8, A11, A16): random schedules of
 * local and remote changes, failures and races, each from a seed, planned by
 * the real planner and carried out by a model of the executor. Every
 * property is checked on every seed; a failure names the seed and prints
 * its event log. PROPERTY_SEEDS=N runs N seeds, PROPERTY_SEED=S replays one,
 * PROPERTY_EVENTS=E changes the number of events (30). Seeds known to fail
 * (known.ts) are left out unless replayed one by one.
 */
import { describe, expect, it } from "vitest";
import { KNOWN_FAILING } from "./known.ts";
import { PROPERTIES, type PropertyName } from "./properties.ts";
import { runSeed, type RunResult } from "./run.ts";

const EVENTS = Number(process.env.PROPERTY_EVENTS ?? 30);
const REPLAY = process.env.PROPERTY_SEED !== undefined;
const SEEDS = REPLAY ? [Number(process.env.PROPERTY_SEED)] : Array.from({ length: Number(process.env.PROPERTY_SEEDS ?? 300) }, (_, i) => i + 1);

interface Outcome {
  run: RunResult;
  /** Determinism: a second run of the seed gave another schedule or state. */
  differs: boolean;
}

let outcomes: Outcome[] | undefined;
function all(): Outcome[] {
  outcomes ??= SEEDS.map((seed) => {
    const run = runSeed(seed, EVENTS);
    const again = runSeed(seed, EVENTS);
    return { run, differs: again.snapshot !== run.snapshot || again.log.join("\n") !== run.log.join("\n") };
  });
  return outcomes;
}

function report(property: PropertyName): string {
  const known = new Set(REPLAY ? [] : (KNOWN_FAILING[property] ?? []));
  const failing = all().filter((o) => !known.has(o.run.seed) && (property === "determinism" ? o.differs : o.run.violations.some((v) => v.property === property)));
  if (failing.length === 0) return "";
  const first = failing[0]!.run;
  const messages = property === "determinism" ? ["a second run of the same seed differs"] : first.violations.filter((v) => v.property === property).map((v) => v.message);
  return [
    `${property}: ${failing.length} of ${SEEDS.length} seeds fail (${failing.map((o) => o.run.seed).slice(0, 20).join(", ")}${failing.length > 20 ? ", …" : ""})`,
    `seed ${first.seed} (replay: PROPERTY_SEED=${first.seed}):`,
    ...messages.map((m) => `  ${m}`),
    "events:",
    ...first.log.map((l) => `  ${l}`),
  ].join("\n");
}

describe(`the coordinator over ${SEEDS.length} seeds × up to ${EVENTS} events`, () => {
  it.each(PROPERTIES)("%s", (property) => {
    const failure = report(property);
    expect(failure, failure).toBe("");
  });
});
