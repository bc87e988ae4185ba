// Option parsing: flag, then environment variable, then default.
import { describe, expect, it } from "vitest";
import { UsageError, type CommandSpec } from "../../lib/cli/command.ts";
import { parseOptions, resolveCommand } from "../../lib/cli/parse.ts";

const spec: CommandSpec = {
  name: "server",
  summary: "test",
  options: {
    port: { type: "string", description: "Port", env: "SYNCAGENT_PORT", default: "8420" },
    verbose: { type: "boolean", description: "Verbose", env: "SYNCAGENT_VERBOSE" },
  },
};

describe("parseOptions", () => {
  it("prefers the flag, then the variable, then the default", () => {
    expect(parseOptions(spec, ["--port", "1"], { SYNCAGENT_PORT: "2" }).values.port).toBe("1");
    expect(parseOptions(spec, [], { SYNCAGENT_PORT: "2" }).values.port).toBe("2");
    expect(parseOptions(spec, [], {}).values.port).toBe("8420");
  });

  it("reads booleans from variables and refuses nonsense", () => {
    expect(parseOptions(spec, [], { SYNCAGENT_VERBOSE: "yes" }).values.verbose).toBe(true);
    expect(parseOptions(spec, [], { SYNCAGENT_VERBOSE: "0" }).values.verbose).toBe(false);
    expect(() => parseOptions(spec, [], { SYNCAGENT_VERBOSE: "maybe" })).toThrow(UsageError);
  });

  it("refuses unexpected positionals, unknown flags and missing values", () => {
    expect(() => parseOptions(spec, ["extra"], {})).toThrow(/Unexpected argument: 'extra'/);
    expect(() => parseOptions(spec, ["--nope"], {})).toThrow(/Unknown option: '--nope'/);
    expect(() => parseOptions(spec, ["--port"], {})).toThrow(UsageError);
  });

  it("walks sub-commands", () => {
    const root: CommandSpec = { name: "syncagent", summary: "", subcommands: [{ ...spec, subcommands: [{ name: "invite", summary: "" }] }] };
    expect(resolveCommand(root, ["server", "invite", "--x"]).path).toEqual(["syncagent", "server", "invite"]);
    expect(() => resolveCommand(root, ["nope"])).toThrow(/Unknown command: 'nope'/);
  });
});
