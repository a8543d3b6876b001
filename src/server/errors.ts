import "server-only";
import type { ErrorCode } from "@/lib/schemas/errors";

/** The one error type services throw; its message is safe to show to the user. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/** What a user hears when the database could not serve the request in time. */
export const DATABASE_BUSY_MESSAGE =
  "The database is busy or restarting and did not answer in time. Try again in a moment; the page shows whether anything changed.";

/**
 * Prisma's codes for a database out of reach or out of time: cannot reach (P1001, P1002), timed
 * out (P1008), connection closed (P1017), no pooled connection in time (P2024), a transaction
 * that could not start or outlived its timeout (P2028), too many connections (P2037).
 */
const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2037"]);

/**
 * PostgreSQL's SQLSTATEs for the same: connection exceptions (08…), too many connections or
 * out of resources (53…), a cancelled statement (57014, statement_timeout), and the server
 * shutting down or starting up (57P01–57P03).
 */
const SQLSTATE_UNAVAILABLE = /^(08|53|57014$|57P0[123]$)/;

/** The adapter's kinds of driver error that mean the same. */
const ADAPTER_UNAVAILABLE = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/** node-postgres throws plain errors for these, which the adapter passes on as they are. */
const DRIVER_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /not queryable/i,
  /database connection closed/i,
  /Can't reach database server/i,
  /\bECONN(REFUSED|RESET)\b/,
];

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** The error, its causes, and the driver error Prisma keeps in `meta.driverAdapterError`. */
function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 8) {
    const next = queue.shift();
    if (next === undefined || next === null || chain.includes(next)) continue;
    chain.push(next);
    queue.push(fieldOf(next, "cause"), fieldOf(fieldOf(next, "meta"), "driverAdapterError"));
  }
  return chain;
}

function isUnavailable(link: unknown): boolean {
  const code = fieldOf(link, "code");
  const kind = fieldOf(link, "kind");
  const originalCode = fieldOf(link, "originalCode");
  const message = fieldOf(link, "message");
  if (typeof code === "string" && PRISMA_UNAVAILABLE.has(code)) return true;
  if (typeof kind === "string" && ADAPTER_UNAVAILABLE.has(kind)) return true;
  for (const state of [code, originalCode]) {
    if (
      typeof state === "string" &&
      /^[0-9A-Z]{5}$/.test(state) &&
      SQLSTATE_UNAVAILABLE.test(state)
    )
      return true;
  }
  return typeof message === "string" && DRIVER_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * The database could not serve the request in time (no connection free or reachable, a
 * statement or transaction out of time, the server restarting): an UNAVAILABLE AppError (503,
 * "try again") in place of an internal error, or null for any other error.
 */
export function databaseUnavailable(error: unknown): AppError | null {
  if (error instanceof AppError) return null;
  return errorChain(error).some(isUnavailable)
    ? new AppError("UNAVAILABLE", DATABASE_BUSY_MESSAGE)
    : null;
}
