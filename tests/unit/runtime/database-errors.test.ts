// Errors the database client raises when PostgreSQL is busy, out of reach or restarting, in the
// shapes they were seen in (Prisma 6.19 with @prisma/adapter-pg over node-postgres): each is
// "busy, try again" (503), never an internal error; anything else is left alone.
import { describe, expect, it } from "vitest";
import { Prisma } from "../../../src/generated/prisma/client";
import { AppError, DATABASE_BUSY_MESSAGE, databaseUnavailable } from "../../../src/server/errors";

const known = (code: string, message: string, meta?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: "6.19.3", meta });

const adapterError = (cause: Record<string, unknown>) => ({
  driverAdapterError: { name: "DriverAdapterError", cause },
});

describe("database errors that mean busy or unavailable", () => {
  it.each([
    ["the pool had no connection in time", new Error("timeout exceeded when trying to connect")],
    [
      "a transaction could not start in time",
      known("P2028", "Transaction API error: Unable to start a transaction in the given time."),
    ],
    [
      "a transaction outlived its timeout",
      known("P2028", "A query cannot be executed on an expired transaction."),
    ],
    [
      "the server is down (transaction start)",
      known(
        "P1001",
        "Can't reach database server at 127.0.0.1:5432",
        adapterError({ kind: "DatabaseNotReachable" }),
      ),
    ],
    [
      "the server is down (raw query)",
      known(
        "P2010",
        "Raw query failed. Code: `N/A`.",
        adapterError({ kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5432 }),
      ),
    ],
    [
      "a statement ran past statement_timeout",
      known(
        "P2010",
        "Raw query failed. Code: `57014`.",
        adapterError({ kind: "postgres", code: "57014", originalCode: "57014" }),
      ),
    ],
    [
      "the server is shutting down",
      known(
        "P2010",
        "terminating connection due to administrator command",
        adapterError({ kind: "postgres", code: "57P01" }),
      ),
    ],
    [
      "the server is starting up",
      Object.assign(new Error("the database system is starting up"), { code: "57P03" }),
    ],
    [
      "the connection broke mid-transaction",
      new Error("Client has encountered a connection error and is not queryable"),
    ],
    ["the connection ended", new Error("Connection terminated unexpectedly")],
    [
      "a wrapped cause",
      new Error("render failed", { cause: new Error("timeout exceeded when trying to connect") }),
    ],
  ])("%s", (_what, error) => {
    const mapped = databaseUnavailable(error);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped?.code).toBe("UNAVAILABLE");
    expect(mapped?.message).toBe(DATABASE_BUSY_MESSAGE);
  });

  it.each([
    ["a unique violation", known("P2002", "Unique constraint failed on the fields: (`name`)")],
    [
      "a missing table",
      known("P2021", "The table does not exist", adapterError({ kind: "TableDoesNotExist" })),
    ],
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
    ["a service's own refusal", new AppError("CONFLICT", "The rollout changed.")],
    ["not an error at all", "timeout"],
    ["nothing", undefined],
  ])("but not %s", (_what, error) => {
    expect(databaseUnavailable(error)).toBeNull();
  });
});
