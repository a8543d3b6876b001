import "server-only";
import { envNumber } from "@/lib/config/env";

/**
 * The database client's settings (README, "Configuration reference"). The defaults are chosen
 * so that a busy moment makes requests wait rather than fail: Prisma's own defaults (start a
 * transaction within 2 s, finish it within 5 s) turned a queue of page loads into internal
 * errors, so a transaction may wait as long as any query for a connection, and may run as long
 * as one statement may, plus its commit.
 */
export interface DatabaseSettings {
  /** connections per process */
  poolSize: number;
  /**
   * How long a query, or the start of a transaction, waits for a pooled connection (or for a
   * new one to open). Past it the request is answered "busy, try again" (503).
   */
  connectionWaitMs: number;
  /** PostgreSQL cancels any one statement that runs longer (statement_timeout). */
  statementTimeoutMs: number;
  /** The longest an interactive transaction may stay open, where its code names no other. */
  transactionTimeoutMs: number;
}

export const DATABASE_DEFAULTS: DatabaseSettings = {
  poolSize: 10,
  connectionWaitMs: 10_000,
  statementTimeoutMs: 15_000,
  transactionTimeoutMs: 20_000,
};

export function databaseSettings(
  env: Record<string, string | undefined> = process.env,
): DatabaseSettings {
  const ms = { min: 100, max: 600_000 };
  return {
    poolSize: envNumber(
      "DATABASE_POOL_SIZE",
      DATABASE_DEFAULTS.poolSize,
      { min: 1, max: 1_000 },
      env,
    ),
    connectionWaitMs: envNumber(
      "DATABASE_CONNECTION_WAIT_MS",
      DATABASE_DEFAULTS.connectionWaitMs,
      ms,
      env,
    ),
    statementTimeoutMs: envNumber(
      "DATABASE_STATEMENT_TIMEOUT_MS",
      DATABASE_DEFAULTS.statementTimeoutMs,
      ms,
      env,
    ),
    transactionTimeoutMs: envNumber(
      "DATABASE_TRANSACTION_TIMEOUT_MS",
      DATABASE_DEFAULTS.transactionTimeoutMs,
      ms,
      env,
    ),
  };
}
