import process from "node:process";

/**
 * Resolves on the first SIGINT or SIGTERM (Ctrl-C, `systemctl stop`), then
 * stops listening: what the long-running commands wait on before closing.
 * @returns A promise resolved by the signal.
 */
export function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
