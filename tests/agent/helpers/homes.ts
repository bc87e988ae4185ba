/**
 * Agent homes made the way a user makes them: `init` on the first machine,
 * `register` on the others, through the real CLI commands in-process.
 */
import { homePaths, type HomePaths } from "../../../lib/agent/home/paths.ts";
import type { TestServer } from "../../helpers/server.ts";
import { invite, PASSWORD, runAgentCli, type Scratch } from "../keys/cli-harness.ts";

/** One prepared home. */
export interface PreparedHome {
  name: string;
  home: string;
  folder: string;
  paths: HomePaths;
  /** The environment an agent of this home runs with (the password: key store `none`). */
  env: Record<string, string>;
}

/**
 * Makes the first machine's home (register + init) or another machine's (register, fetching the key file).
 * @param server The test server.
 * @param dirs Where homes and folders go.
 * @param name Machine name.
 * @param first Whether this is the vault's first machine.
 * @returns The home.
 */
export async function prepareHome(server: TestServer, dirs: Scratch, name: string, first: boolean): Promise<PreparedHome> {
  const home = dirs.home(name);
  const folder = dirs.folder(name);
  const env = { SYNCAGENT_PASSWORD: PASSWORD };
  const common = ["--home", home, "--server", server.url, "--invite", await invite(server), "--sync-folder", folder, "--name", name, "--key-store", "none"];
  const run = first ? await runAgentCli(["init", ...common], { env }) : await runAgentCli(["register", ...common], { env });
  if (run.code !== 0) throw new Error(`${first ? "init" : "register"} failed: ${run.err}${run.out}`);
  return { name, home, folder, paths: homePaths(home), env };
}
