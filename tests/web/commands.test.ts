/** How a command's progress reads on the Machines page, without a browser. */
import { describe, expect, it } from "vitest";
import { describeCommand, type Command } from "../../web/commands.ts";

const base: Command = { commandId: "c".repeat(32), machineId: "m".repeat(32), kind: "pause", state: "pending", issuedAt: 1, expiresAt: 2, deliveredAt: null, acknowledgedAt: null, ok: null, message: null };

describe("command progress", () => {
  it("says sent, then delivered, while the machine has not answered", () => {
    expect(describeCommand(base)).toEqual({ text: "Pause: sent", tone: "busy" });
    expect(describeCommand({ ...base, kind: "sync_now", deliveredAt: 5 })).toEqual({ text: "Sync now: delivered, waiting for the machine", tone: "busy" });
  });

  it("says acknowledged, failed with the machine's words, or expired", () => {
    expect(describeCommand({ ...base, kind: "resume", state: "acknowledged", ok: true })).toEqual({ text: "Resume: acknowledged", tone: "ok" });
    expect(describeCommand({ ...base, state: "acknowledged", ok: false, message: "Unknown command" })).toEqual({ text: "Pause: failed (Unknown command)", tone: "bad" });
    expect(describeCommand({ ...base, state: "acknowledged", ok: false })).toEqual({ text: "Pause: failed", tone: "bad" });
    expect(describeCommand({ ...base, state: "expired" })).toEqual({ text: "Pause: expired unanswered", tone: "warn" });
  });
});
