/** Raw WebCrypto speeds on this machine, so figures compare across machines (DESIGN.md §2). */

/** Measured primitive speeds, MB/s (10^6 bytes). */
export interface PrimitiveSpeeds {
  aesGcmMBps: number;
  hmacSha256MBps: number;
}

async function rate(fn: () => Promise<unknown>, bytes: number): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 1;
  return Math.round(bytes / 1e6 / (median / 1000));
}

/**
 * Measures WebCrypto AES-256-GCM and HMAC-SHA-256 on one 4 MiB buffer.
 * @returns Median speeds.
 */
export async function measurePrimitives(): Promise<PrimitiveSpeeds> {
  const data = crypto.getRandomValues(new Uint8Array(4 << 20).subarray(0, 65536)) && new Uint8Array(4 << 20);
  const aes = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["encrypt"]);
  const mac = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const iv = new Uint8Array(12);
  return {
    aesGcmMBps: await rate(() => crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, data), data.length),
    hmacSha256MBps: await rate(() => crypto.subtle.sign("HMAC", mac, data), data.length),
  };
}
