/**
 * Micro-benchmark of the small-object crypto, each operation on both
 * backends: `native` (node:crypto on the calling thread, what the agent
 * uses below `SYNC_MAX_BYTES`) and `web` (WebCrypto, a thread-pool hop per
 * call: the same keys imported without their native twins; for the `siv.*`
 * rows, @noble/ciphers, the fallback of names). `name.*` rows run
 * node:crypto AES-SIV in both columns (names take no WebCrypto key).
 *
 * Prints one JSON line per operation, backend and concurrency:
 * `{"bench":"crypto-small","op":…,"backend":"native"|"web","inFlight":1|64,"opsPerSecond":…,"cpuMicrosPerOp":…}`;
 * `cpuMicrosPerOp` counts every thread of the process (WebCrypto runs on the
 * thread pool), so it is the figure to compare on a busy machine. Then
 * `{"bench":"crypto-small.size",…}` lines, HMAC and seal from 1 KiB to
 * 1 MiB on both backends, 8 in flight: where the threshold lies.
 *
 * `npm run bench -- crypto-small [--ms 300]` (time per measurement).
 */
import { parseArgs } from "node:util";
import { aessiv } from "@noble/ciphers/aes.js";
import { importSealKey, open, seal } from "../../lib/crypto/aead.ts";
import { nativeSealKey, sealNative } from "../../lib/crypto/aead-native.ts";
import { sealWeb } from "../../lib/crypto/aead-web.ts";
import { fromHex, randomBytes, sha256Hex } from "../../lib/crypto/bytes.ts";
import { chunkIdBytes, decryptChunk, encryptChunk } from "../../lib/crypto/chunk.ts";
import { hkdf } from "../../lib/crypto/kdf.ts";
import { Keyring } from "../../lib/crypto/keyring.ts";
import { hmacWeb } from "../../lib/crypto/mac.ts";
import { contentHash, type NodeManifest } from "../../lib/crypto/manifest.ts";
import { decryptName, encryptName } from "../../lib/crypto/names.ts";
import { hmacNative } from "../../lib/crypto/native.ts";
import { nativeKeyOf } from "../../lib/crypto/native-keys.ts";
import { ROOT_NODE_ID } from "../../lib/crypto/node-id.ts";
import { openNodeRecord, sealNodeRecord } from "../../lib/crypto/node-record.ts";
import { sivDecryptNative, sivEncryptNative } from "../../lib/crypto/siv-native.ts";
import { SUBKEY_LABELS, type EpochKeys } from "../../lib/crypto/subkeys.ts";

const { values } = parseArgs({ options: { ms: { type: "string", default: "300" } } });
const budgetMs = Number(values.ms);

const VAULT = "00112233445566778899aabbccddeeff";
const SECRET = fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

async function bareHmac(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function bareAes(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** A keyring whose keys have no native twin: every call of it takes WebCrypto. */
async function webOnlyKeyring(): Promise<Keyring> {
  const ring = await Keyring.fromSecrets(VAULT, new Map([[1, SECRET]]));
  const keys = ring.current;
  const salt = new Uint8Array([...fromHex(VAULT), 0, 0, 0, 1]);
  const raw = async (label: string) => hkdf(SECRET, label, 32, salt);
  const L = SUBKEY_LABELS;
  Object.assign(keys, {
    chunkId: await bareHmac(await raw(L.chunkId)),
    contentHash: await bareHmac(await raw(L.contentHash)),
    chunk: { enc: await bareAes(await raw(L.chunkEnc)), commit: await bareHmac(await raw(L.chunkCommit)) },
    manifest: { enc: await bareAes(await raw(L.manifestEnc)), commit: await bareHmac(await raw(L.manifestCommit)) },
  } satisfies Partial<EpochKeys>);
  return ring;
}

interface Timing {
  opsPerSecond: number;
  cpuMicrosPerOp: number;
}

async function measure(fn: () => Promise<unknown>, inFlight: number): Promise<Timing> {
  for (let i = 0; i < 200; i++) await fn();
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + budgetMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await fn();
        ops++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { opsPerSecond: Math.round(ops / seconds), cpuMicrosPerOp: Math.round(((used.user + used.system) / ops) * 10) / 10 };
}

function manifestOf(keys: EpochKeys, chunkId: string, hash: string): NodeManifest {
  return {
    kind: "file",
    name: "report-2026-11.txt",
    parentId: ROOT_NODE_ID,
    size: 2048,
    mtimeMs: 1_764_000_000_000,
    mode: 0o644,
    chunks: [{ id: chunkId, size: 2048 }],
    contentHash: hash,
    previous: "",
    machineId: `bench-${keys.epoch}`,
  };
}

async function operations(ring: Keyring, backend: string): Promise<[string, () => Promise<unknown>][]> {
  const keys = ring.current;
  const data = randomBytes(2048);
  const chunk = await encryptChunk(keys, data);
  const chunks = [{ id: chunk.id, size: data.length }];
  const hash = await contentHash(keys, data.length, chunks);
  const manifest = manifestOf(keys, chunk.id, hash);
  const binding = { nodeId: "5a".repeat(16), version: 1 };
  const sealed = await sealNodeRecord(keys, binding, manifest);
  const record = { nodeId: sealed.nodeId, parentId: sealed.parentId, encName: sealed.encName, version: 1, manifest: sealed.manifest };
  const name = encryptName(keys, ROOT_NODE_ID, manifest.name);
  const box = await seal(keys.manifest, data.subarray(0, 300), data.subarray(300, 360));
  // AES-SIV of a 32-byte padded name under a 53-byte AD: node:crypto, or the fallback (@noble/ciphers) in the `web` rows.
  const sivAd = [data.subarray(0, 53)];
  const sivPlain = data.subarray(100, 132);
  const sivBox = sivEncryptNative(keys.nameSiv, sivAd, sivPlain);
  const sivNative = backend === "native";
  return [
    ["nodeRecord.seal", () => sealNodeRecord(keys, binding, manifest)],
    ["nodeRecord.open", () => openNodeRecord(ring, record, null)],
    ["aead.seal300", () => seal(keys.manifest, data.subarray(0, 300), data.subarray(300, 360))],
    ["aead.open300", () => open(keys.manifest, box, data.subarray(300, 360), "manifest")],
    ["name.encrypt", () => Promise.resolve(encryptName(keys, ROOT_NODE_ID, manifest.name))],
    ["name.decrypt", () => Promise.resolve(decryptName(ring, ROOT_NODE_ID, name))],
    ["siv.encrypt32", () => Promise.resolve(sivNative ? sivEncryptNative(keys.nameSiv, sivAd, sivPlain) : aessiv(keys.nameSiv, ...sivAd).encrypt(sivPlain))],
    ["siv.decrypt32", () => Promise.resolve(sivNative ? sivDecryptNative(keys.nameSiv, sivAd, sivBox) : aessiv(keys.nameSiv, ...sivAd).decrypt(sivBox))],
    ["contentHash", () => contentHash(keys, data.length, chunks)],
    ["chunkId.2KiB", () => chunkIdBytes(keys, data)],
    ["sha256Hex.2KiB", () => sha256Hex(data)],
    ["chunk.encrypt2KiB", () => encryptChunk(keys, data)],
    ["chunk.decrypt2KiB", () => decryptChunk(ring, chunk.id, chunk.data)],
  ];
}

const backends: [string, Keyring][] = [
  ["native", await Keyring.fromSecrets(VAULT, new Map([[1, SECRET]]))],
  ["web", await webOnlyKeyring()],
];
const ops = new Map(await Promise.all(backends.map(async ([backend, ring]) => [backend, await operations(ring, backend)] as const)));
for (const [index, [op]] of (ops.get("native") ?? []).entries()) {
  for (const inFlight of [1, 64]) {
    for (const [backend] of backends) {
      const fn = ops.get(backend)?.[index]?.[1];
      if (!fn) continue;
      console.log(JSON.stringify({ bench: "crypto-small", op, backend, inFlight, ...(await measure(fn, inFlight)) }));
    }
  }
}

// Where WebCrypto catches up: the two backends' primitives themselves, by size (no threshold applied).
const key = await importSealKey(randomBytes(32), randomBytes(32));
const twin = nativeSealKey(key);
const mac = backends[0]?.[1].current.chunkId;
const macTwin = mac && nativeKeyOf(mac);
if (!twin || !mac || !macTwin) throw new Error("crypto-small: node:crypto is missing on this runtime");
for (const kib of [1, 4, 16, 64, 256, 1024]) {
  const data = new Uint8Array(kib * 1024).fill(0x5a);
  const ad = data.subarray(0, 60);
  const nonce = randomBytes(12);
  const none = new Uint8Array(0);
  const rows: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ["native", () => Promise.resolve(hmacNative(macTwin, data)), () => Promise.resolve(sealNative(twin, data, ad, nonce, none))],
    ["web", () => hmacWeb(mac, data), () => sealWeb(key, data, ad, nonce, none)],
  ];
  for (const [backend, hmac, sealIt] of rows) {
    console.log(JSON.stringify({ bench: "crypto-small.size", bytes: data.length, backend, inFlight: 8, hmac: await measure(hmac, 8), seal: await measure(sealIt, 8) }));
  }
}
