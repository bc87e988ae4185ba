/** Database URLs as the server prints them: no secret (S2). */
import { describe, expect, it } from "vitest";
import { displayDatabaseUrl } from "../../lib/db/display-url.ts";

describe("the database URL on the banner", () => {
  it("shows a file as its path, and a remote URL without password or query, naming the schema", () => {
    expect(displayDatabaseUrl("file:/var/lib/syncagent/syncagent.db")).toBe("/var/lib/syncagent/syncagent.db");
    expect(displayDatabaseUrl("postgres://app:s3cret@db.internal:5432/sync?schema=prod&sslmode=require")).toBe("postgres://app:***@db.internal:5432/sync (schema prod)");
    expect(displayDatabaseUrl("libsql://db.example.org?authToken=abc")).toBe("libsql://db.example.org");
    expect(displayDatabaseUrl("postgres://app@127.0.0.1/postgres")).toBe("postgres://app@127.0.0.1/postgres");
  });
});
