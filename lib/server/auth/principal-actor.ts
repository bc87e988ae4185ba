import type { Principal } from "../principal.ts";

/**
 * The `actor` string events record for a principal.
 * @param principal Who acted.
 * @returns `machine:<id>` or `user:<id>`.
 */
export function actorOf(principal: Principal): string {
  return principal.kind === "machine" ? `machine:${principal.machineId}` : `user:${principal.userId}`;
}
