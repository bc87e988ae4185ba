/** Temporary folders for storage tests, removed when the test file ends. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Tracks temp folders so one call can remove them all. */
export class TempDirs {
  private readonly dirs: string[] = [];

  /** Creates a new empty folder under the system temp folder. */
  async make(label = "store"): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `syncagent-${label}-`));
    this.dirs.push(dir);
    return dir;
  }

  /** Removes every folder made so far. */
  async removeAll(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
