import type { CommandSpec, OptionSpec } from "./command.ts";

function optionLabel(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : "    ";
  const value = spec.type === "string" ? ` ${spec.valueName ?? name.toUpperCase().replace(/-/g, "_")}` : "";
  return `${short}--${name}${value}`;
}

function optionNotes(spec: OptionSpec): string {
  const notes: string[] = [];
  if (spec.env) notes.push(`env ${spec.env}`);
  if (spec.default !== undefined && spec.default !== false) notes.push(`default ${String(spec.default)}`);
  return notes.length ? ` [${notes.join(", ")}]` : "";
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

/**
 * Renders the help text of a command.
 * @param path The words leading to the command (`["syncagent", "server"]`).
 * @param spec The command.
 * @returns The help text, ending with a newline.
 */
export function renderHelp(path: string[], spec: CommandSpec): string {
  const parts: string[] = [];
  const usageTail = spec.subcommands?.length ? " <command>" : "";
  const args = spec.args ? ` ${spec.args}` : "";
  parts.push(`Usage: ${path.join(" ")}${usageTail} [options]${args}`);
  parts.push("");
  parts.push(spec.description ?? spec.summary);
  if (spec.subcommands?.length) {
    parts.push("", "Commands:");
    parts.push(table(spec.subcommands.map((c) => [c.name, c.summary])));
  }
  const options: [string, string][] = Object.entries(spec.options ?? {}).map(([name, o]) => [
    optionLabel(name, o),
    o.description + optionNotes(o),
  ]);
  options.push(["-h, --help", "Show this help"]);
  parts.push("", "Options:", table(options));
  if (spec.subcommands?.length) {
    parts.push("", `Run '${path.join(" ")} <command> --help' for a command's options.`);
  }
  return parts.join("\n") + "\n";
}
