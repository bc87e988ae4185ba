/**
 * Who a file command runs for, reduced from the authenticated principal.
 */
import type { EventMeta } from "../../events/envelope.ts";
import type { Principal } from "../principal.ts";

/** The tenancy and identity a file command acts with. */
export interface Actor {
  accountId: string;
  vaultId: string;
  /** The committing machine; null for a dashboard user. */
  machineId: string | null;
  /** Event metadata: actor label, request and correlation ids. */
  meta: EventMeta;
}

/**
 * Builds the actor of a request.
 * @param principal The authenticated caller.
 * @param requestId The HTTP request id.
 * @returns The actor.
 */
export function actorOf(principal: Principal, requestId?: string): Actor {
  const meta: EventMeta = {
    actor: principal.kind === "machine" ? `machine:${principal.machineId}` : `user:${principal.userId}`,
  };
  if (requestId) {
    meta.requestId = requestId;
    meta.correlationId = requestId;
  }
  return {
    accountId: principal.accountId,
    vaultId: principal.vaultId,
    machineId: principal.kind === "machine" ? principal.machineId : null,
    meta,
  };
}
