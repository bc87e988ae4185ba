/**
 * Entry point of the `syncagent` executable: dispatches to `server`, `agent`,
 * `tray` and the one-shot commands. The exit code is decided here.
 */
import "./lib/runtime/threadpool.ts";
import process from "node:process";
import { main } from "./cmd/main.ts";

process.exitCode = await main(process.argv.slice(2));
