import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { lineReader, NoSecretError, SecretReader, type Terminal } from "../../lib/platform/prompt.ts";

function terminal(lines: string[], interactive = false, typed: string[] = []): Terminal & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    stdin: Readable.from(lines.length ? [lines.join("\n") + "\n"] : []),
    interactive,
    prompts,
    promptHidden: (label) => {
      prompts.push(label);
      return Promise.resolve(typed.shift() ?? "");
    },
  };
}

describe("where secrets come from: stdin, the environment, a hidden prompt (C4)", () => {
  it("reads one line per secret with --password-stdin, and says when input ended", async () => {
    const reader = new SecretReader(terminal(["old password", "new password"]), { fromStdin: true, env: { SYNCAGENT_PASSWORD: "ignored" } });
    expect(await reader.read({ label: "Master password", env: "SYNCAGENT_PASSWORD" })).toBe("old password");
    expect(await reader.read({ label: "New master password", env: "SYNCAGENT_NEW_PASSWORD" })).toBe("new password");
    await expect(reader.read({ label: "Recovery key", env: "X" })).rejects.toThrow(/standard input ended before it/);
  });

  it("takes the environment variable, and without one and without a terminal names both ways", async () => {
    const env = new SecretReader(terminal([]), { fromStdin: false, env: { SYNCAGENT_PASSWORD: "from env" } });
    expect(await env.read({ label: "Master password", env: "SYNCAGENT_PASSWORD" })).toBe("from env");
    const none = new SecretReader(terminal([]), { fromStdin: false, env: {} });
    const error = await none.read({ label: "Master password", env: "SYNCAGENT_PASSWORD" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSecretError);
    expect((error as Error).message).toMatch(/--password-stdin.*SYNCAGENT_PASSWORD/);
  });

  it("asks twice on a terminal for a new secret and refuses two different entries", async () => {
    const same = terminal([], true, ["correct horse", "correct horse"]);
    expect(await new SecretReader(same, { fromStdin: false, env: {} }).read({ label: "Master password", env: "P", confirm: true })).toBe("correct horse");
    expect(same.prompts).toEqual(["Master password: ", "Confirm master password: "]);
    const differ = terminal([], true, ["one", "two"]);
    await expect(new SecretReader(differ, { fromStdin: false, env: {} }).read({ label: "Master password", env: "P", confirm: true })).rejects.toThrow(/differ; nothing was changed/);
  });

  it("splits a stream into lines across chunks, without the line ends", async () => {
    const next = lineReader(Readable.from(["fir", "st\r\nsec", "ond\nthird"]));
    expect([await next(), await next(), await next(), await next()]).toEqual(["first", "second", "third", null]);
  });
});
