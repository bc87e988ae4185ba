/**
 * The pure rules behind the web side: Origin matching, cookie names and
 * parsing, secret comparison, and the fold of agent reports into a status.
 */
import { describe, expect, it } from "vitest";
import { clearedSessionCookie, readSessionCookie, sessionCookie } from "../../../lib/server/sessions/cookies.ts";
import { originAllowed } from "../../../lib/server/auth/origin.ts";
import { constantTimeEqual, hashSecret, looksLikeSecret, newSecret } from "../../../lib/server/auth/secrets.ts";
import { csrfTokenFor } from "../../../lib/server/sessions/sessions.ts";
import { agentReportSchema, applyReport, emptyStatus, OFFLINE_AFTER_MS, presentStatus, unreportedStatus } from "../../../lib/server/ws/reports.ts";

describe("originAllowed", () => {
  it("accepts only this server's own origin or a configured one", () => {
    expect(originAllowed("http://127.0.0.1:8420", "127.0.0.1:8420", false, [])).toBe(true);
    expect(originAllowed("HTTP://LOCALHOST:8420", "localhost:8420", false, [])).toBe(true);
    expect(originAllowed("https://127.0.0.1:8420", "127.0.0.1:8420", false, [])).toBe(false);
    expect(originAllowed("http://127.0.0.1:8420", "127.0.0.1:8420", true, [])).toBe(false);
    expect(originAllowed("http://127.0.0.1:9999", "127.0.0.1:8420", false, [])).toBe(false);
    expect(originAllowed("https://sync.example.com", "127.0.0.1:8420", true, ["https://sync.example.com"])).toBe(true);
    expect(originAllowed("null", "127.0.0.1:8420", false, ["null"])).toBe(false);
    expect(originAllowed(undefined, "127.0.0.1:8420", false, [])).toBe(false);
  });
});

describe("session cookie", () => {
  it("is __Host- and Secure over https, plain on loopback http, and parsed by its own name only", () => {
    expect(sessionCookie("abc", true)).toBe("__Host-syncagent_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure");
    expect(sessionCookie("abc", false)).toBe("syncagent_session=abc; Path=/; HttpOnly; SameSite=Strict");
    expect(clearedSessionCookie(true)).toContain("Max-Age=0");
    expect(readSessionCookie("a=1; __Host-syncagent_session=xyz; b=2", true)).toBe("xyz");
    expect(readSessionCookie("syncagent_session=xyz", true)).toBeUndefined();
    expect(readSessionCookie("syncagent_session=", false)).toBeUndefined();
  });
});

describe("secrets", () => {
  it("makes 256-bit prefixed secrets, hashes them with SHA-256 and compares in constant time", () => {
    const secret = newSecret("sam_");
    expect(secret).toMatch(/^sam_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeSecret(secret)).toBe(true);
    expect(looksLikeSecret("sam_ has spaces")).toBe(false);
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(csrfTokenFor("s1")).toBe(csrfTokenFor("s1"));
    expect(csrfTokenFor("s1")).not.toBe(csrfTokenFor("s2"));
    expect(csrfTokenFor("s1")).not.toContain("s1");
  });
});

describe("agent reports", () => {
  it("folds a sync into the status", () => {
    let s = emptyStatus(0);
    s = applyReport(s, agentReportSchema.parse({ type: "sync_started", files: 2 }), 1);
    expect(s).toMatchObject({ state: "syncing", filesPending: 2 });
    s = applyReport(s, agentReportSchema.parse({ type: "sync_progress", speedBps: 100.6 }), 2);
    expect(s.speedBps).toBe(101);
    s = applyReport(s, agentReportSchema.parse({ type: "sync_error", message: "disk full" }), 3);
    expect(s).toMatchObject({ state: "error", errors: 1, lastError: "disk full" });
    s = applyReport(s, agentReportSchema.parse({ type: "conflict_detected", nodeId: "1".repeat(32) }), 4);
    expect(s.conflicts).toBe(1);
    s = applyReport(s, agentReportSchema.parse({ type: "sync_completed", nodeId: "2".repeat(32), filesSynced: 9, counts: { filesPending: 0 } }), 5);
    expect(s).toMatchObject({ state: "idle", speedBps: 0, lastFile: "2".repeat(32), lastSyncedAt: 5, filesSynced: 9, filesPending: 0 });
    s = applyReport(s, agentReportSchema.parse({ type: "state", state: "paused" }), 6);
    expect(s.state).toBe("paused");
  });

  it("refuses unknown types and oversized fields", () => {
    expect(agentReportSchema.safeParse({ type: "rm_rf" }).success).toBe(false);
    expect(agentReportSchema.safeParse({ type: "sync_error", message: "x".repeat(1001) }).success).toBe(false);
    expect(agentReportSchema.safeParse({ type: "conflict_detected" }).success).toBe(false);
  });

  it("shows a machine that never reported as offline, whatever its last request", () => {
    expect(unreportedStatus(0)).toMatchObject({ state: "offline", lastSyncedAt: null, filesSynced: 0 });
    expect(presentStatus(unreportedStatus(0), 0, 1).state).toBe("offline");
  });

  it("shows offline after two silent minutes", () => {
    const s = emptyStatus(0);
    expect(presentStatus(s, 0, OFFLINE_AFTER_MS).state).toBe("idle");
    expect(presentStatus(s, 0, OFFLINE_AFTER_MS + 1).state).toBe("offline");
  });
});
