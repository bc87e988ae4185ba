/**
 * Sizes libuv's thread pool before anything uses it: file-system calls,
 * WebCrypto and zlib share it, and the agent keeps thousands of small file
 * operations and crypto jobs in flight (the default is 4 threads). Imported
 * first by the entry point; a value set by the user wins.
 */
import process from "node:process";

process.env.UV_THREADPOOL_SIZE ??= "16";
