import { describe, expect, it } from "vitest";
import { runCryptoSelfCheck } from "../../lib/crypto/self-check.ts";

describe("the crypto self-check (C1, C2, C5, C8)", () => {
  it("passes every step on this runtime, each named", async () => {
    const results = await runCryptoSelfCheck();
    expect(results.map((r) => r.name)).toEqual(["argon2id key wrap", "aes-256-gcm chunk", "manifest binding", "aes-siv names", "key epochs"]);
    for (const r of results) expect(r, r.name).toMatchObject({ ok: true });
  }, 60_000);
});
