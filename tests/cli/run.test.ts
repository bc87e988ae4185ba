// Running a command tree in this process (lib/cli/run.ts, help.ts): help,
// usage errors and a command's own failure all end in an exit code, never
// an exception; help lists options with their variables and defaults.
import { describe, expect, it } from "vitest";
import { UsageError, type CommandSpec } from "../../lib/cli/command.ts";
import { renderHelp } from "../../lib/cli/help.ts";
import { runCli } from "../../lib/cli/run.ts";
import { rootCommand } from "../../cmd/root.ts";

/** Runs `argv` against `root`, capturing both streams. */
async function run(root: CommandSpec, argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runCli(root, argv, { env, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const tool: CommandSpec = {
  name: "tool",
  summary: "A tool",
  subcommands: [
    {
      name: "greet",
      summary: "Say hello",
      description: "Say hello to someone.",
      args: "[NAME]",
      options: {
        loud: { type: "boolean", description: "Shout", short: "l", env: "TOOL_LOUD" },
        greeting: { type: "string", description: "The word", default: "hello" },
        times: { type: "string", description: "How often", valueName: "N" },
      },
      run: (ctx) => {
        const text = `${String(ctx.values.greeting)} ${ctx.positionals[0] ?? "world"}`;
        ctx.out(`${ctx.values.loud ? text.toUpperCase() : text}\n`);
        return Promise.resolve(0);
      },
    },
    { name: "fail", summary: "Fail", run: () => Promise.reject(new Error("disk on fire")) },
    { name: "refuse", summary: "Refuse", run: () => Promise.reject(new UsageError("needs a target")) },
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a command may fail with a non-Error value; the runner still prints it
    { name: "throw-value", summary: "Throw a value", run: () => Promise.reject("plain string") },
    { name: "group", summary: "A group", subcommands: [{ name: "leaf", summary: "A leaf", run: () => Promise.resolve(3) }] },
  ],
};

describe("runCli", () => {
  it("runs a command with its options, positionals and variables", async () => {
    expect(await run(tool, ["greet", "ada"])).toEqual({ code: 0, out: "hello ada\n", err: "" });
    expect(await run(tool, ["greet", "-l", "--greeting", "hi"])).toMatchObject({ code: 0, out: "HI WORLD\n" });
    expect(await run(tool, ["greet"], { TOOL_LOUD: "1" })).toMatchObject({ out: "HELLO WORLD\n" });
    expect(await run(tool, ["group", "leaf"])).toMatchObject({ code: 3 });
  });

  it("prints help on --help (exit 0) and on a group without a command (exit 2, on stderr)", async () => {
    const help = await run(tool, ["greet", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: tool greet [options] [NAME]");
    expect(help.out).toContain("Say hello to someone.");
    expect(help.out).toMatch(/-l, --loud\s+Shout \[env TOOL_LOUD\]/);
    expect(help.out).toMatch(/--greeting GREETING\s+The word \[default hello\]/);
    expect(help.out).toMatch(/--times N\s+How often/);
    expect(help.out).toMatch(/-h, --help\s+Show this help/);
    const bare = await run(tool, []);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe("");
    expect(bare.err).toContain("Commands:");
    expect(bare.err).toMatch(/greet\s+Say hello/);
    expect(bare.err).toContain("Run 'tool <command> --help' for a command's options.");
    expect(await run(tool, ["group"])).toMatchObject({ code: 2 });
    expect((await run(tool, ["group", "--help"])).out).toContain("Usage: tool group <command> [options]");
  });

  it("turns usage errors into exit 2 with a hint, other failures into exit 1", async () => {
    const unknownFlag = await run(tool, ["greet", "--nope"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toMatch(/^tool greet: Unknown option: '--nope'\nRun 'tool greet --help' for usage.\n$/);
    const unknownCommand = await run(tool, ["dance"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.err).toContain("Run 'tool --help' for usage.");
    expect(await run(tool, ["refuse"])).toEqual({ code: 2, out: "", err: "tool refuse: needs a target\nRun 'tool refuse --help' for usage.\n" });
    expect(await run(tool, ["fail"])).toEqual({ code: 1, out: "", err: "tool fail: disk on fire\n" });
    expect(await run(tool, ["throw-value"])).toEqual({ code: 1, out: "", err: "tool throw-value: plain string\n" });
  });

  it("renders the real `syncagent server --help` from the option specs", async () => {
    const server = rootCommand.subcommands?.find((c) => c.name === "server");
    expect(server).toBeDefined();
    const help = await run(rootCommand, ["server", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toBe(renderHelp([rootCommand.name, "server"], server!));
    expect(help.out).toMatch(/-p, --port PORT\s+.*\[env SYNCAGENT_PORT\]/);
    expect((await run(rootCommand, ["--help"])).out).toContain("Usage: syncagent <command> [options]");
  });
});
