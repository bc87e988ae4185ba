/**
 * The machine's bearer token, kept in the agent home (mode 0600). It is a
 * secret: never logged, never put in an error message.
 */
import { readFile, stat } from "node:fs/promises";
import { AgentConfigError, writePrivateFile } from "./config.ts";
import type { HomePaths } from "./paths.ts";

const TOKEN_SHAPE = /^sam_[A-Za-z0-9_-]{16,200}$/;

/**
 * Reads the machine token of a registered home.
 * @param paths The home's files.
 * @returns The token (`sam_…`).
 * @throws AgentConfigError when the home is not registered, the file is readable by others, or it holds no token.
 */
export async function readMachineToken(paths: HomePaths): Promise<string> {
  let text: string;
  try {
    if (process.platform !== "win32") {
      const mode = (await stat(paths.token)).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new AgentConfigError(`Refusing the machine token: ${paths.token} has mode ${mode.toString(8)}, looser than 600 (run 'chmod 600 ${paths.token}')`);
      }
    }
    text = await readFile(paths.token, "utf8");
  } catch (error) {
    if (error instanceof AgentConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AgentConfigError(`This agent is not registered yet (no ${paths.token}): run 'syncagent register --server URL --invite CODE'`);
    }
    throw new AgentConfigError(`Cannot read the machine token ${paths.token}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const token = text.trim();
  if (!TOKEN_SHAPE.test(token)) throw new AgentConfigError(`${paths.token} does not hold a machine token: register this machine again`);
  return token;
}

/**
 * Writes the machine token, atomically, mode 0600.
 * @param paths The home's files.
 * @param token The token the server gave at registration.
 */
export async function writeMachineToken(paths: HomePaths, token: string): Promise<void> {
  if (!TOKEN_SHAPE.test(token)) throw new AgentConfigError("The server answered with something that is not a machine token");
  await writePrivateFile(paths.token, token + "\n");
}
