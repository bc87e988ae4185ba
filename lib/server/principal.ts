/**
 * Who is calling: set on every authenticated request by the auth middleware
 * (`c.get("principal")`) and read by every route.
 */
export type Principal =
  | {
      kind: "machine";
      accountId: string;
      vaultId: string;
      machineId: string;
    }
  | {
      kind: "user";
      accountId: string;
      vaultId: string;
      userId: string;
      sessionId: string;
      isAdmin: boolean;
    };

/** Hono context variables shared by the server's middleware and routes. */
export interface ServerVariables {
  principal: Principal;
  requestId: string;
  /** Set when the client closed the connection mid-request (lib/server/http/errors.ts). */
  aborted?: boolean;
}

/** The Hono environment type of the server app: `new Hono<ServerEnv>()`. */
export interface ServerEnv {
  Variables: ServerVariables;
}
