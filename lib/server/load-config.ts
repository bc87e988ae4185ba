/**
 * Reads the `--config` JSON file (if any) and resolves the server settings
 * from CLI values, environment and file. The I/O half of `config.ts`.
 */
import { readFile } from "node:fs/promises";
import { ConfigError, resolveServerConfig, type ServerConfig } from "./config.ts";

/**
 * Loads the server settings.
 * @param values CLI option values (flag, else env variable).
 * @param env The process environment.
 * @returns The resolved settings.
 * @throws ConfigError when the file is unreadable, not JSON, or invalid.
 */
export async function loadServerConfig(
  values: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined>,
): Promise<ServerConfig> {
  const path = typeof values.config === "string" && values.config !== "" ? values.config : undefined;
  let file: unknown;
  if (path) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
    }
    try {
      file = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return resolveServerConfig({ values, env, file });
}
