/**
 * `node:crypto` where the runtime has it (Node, Bun and Deno all do), found
 * through `process.getBuiltinModule` rather than a static import, so the
 * modules that use it still load where it is missing (a browser bundle)
 * and fall back to WebCrypto there.
 */
import type * as NodeCryptoModule from "node:crypto";

/** The `node:crypto` module's type. */
export type NodeCrypto = typeof NodeCryptoModule;

interface ProcessWithBuiltins {
  getBuiltinModule?(id: string): unknown;
}

const host = (globalThis as { process?: ProcessWithBuiltins }).process;

/** `node:crypto`, or `undefined` on a runtime without it. */
export const nodeCrypto: NodeCrypto | undefined = host?.getBuiltinModule?.("node:crypto") as NodeCrypto | undefined;
