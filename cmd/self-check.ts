import type { CommandSpec } from "../lib/cli/command.ts";
import { runCryptoSelfCheck } from "../lib/crypto/self-check.ts";
import { runDatabaseSelfCheck } from "../lib/selfcheck/database.ts";

/** `syncagent self-check`: runs the crypto and database self-tests of this build. */
export const selfCheckCommand: CommandSpec = {
  name: "self-check",
  summary: "Check that this build's cryptography and database work on this machine",
  options: {
    json: { type: "boolean", description: "Print the results as one JSON object" },
  },
  run: async ({ values, out }) => {
    const results = [...(await runCryptoSelfCheck()), await runDatabaseSelfCheck()];
    const ok = results.every((r) => r.ok);
    if (values.json === true) {
      out(JSON.stringify({ ok, results }) + "\n");
    } else {
      for (const r of results) out(`${r.ok ? "ok  " : "FAIL"} ${r.name} (${r.ms} ms)${r.detail ? `: ${r.detail}` : ""}\n`);
      out(ok ? "All checks passed\n" : "Some checks failed\n");
    }
    return ok ? 0 : 1;
  },
};
