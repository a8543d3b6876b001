import { describe, expect, it } from "vitest";
import { DATABASE_DEFAULTS, databaseSettings } from "../../../src/server/db/settings";

describe("the database settings", () => {
  it("default so that a busy pool makes requests wait, not fail", () => {
    expect(databaseSettings({})).toEqual(DATABASE_DEFAULTS);
    // Prisma's own defaults (2 s to start a transaction, 5 s to finish it) failed under load.
    expect(DATABASE_DEFAULTS.connectionWaitMs).toBeGreaterThan(2_000);
    expect(DATABASE_DEFAULTS.transactionTimeoutMs).toBeGreaterThan(5_000);
    // A transaction outlives any one of its statements, so the statement's error is the one heard.
    expect(DATABASE_DEFAULTS.transactionTimeoutMs).toBeGreaterThan(
      DATABASE_DEFAULTS.statementTimeoutMs,
    );
  });

  it("read each variable, blank meaning the default", () => {
    expect(
      databaseSettings({
        DATABASE_POOL_SIZE: "25",
        DATABASE_CONNECTION_WAIT_MS: "3000",
        DATABASE_STATEMENT_TIMEOUT_MS: "",
        DATABASE_TRANSACTION_TIMEOUT_MS: "60000",
      }),
    ).toEqual({
      poolSize: 25,
      connectionWaitMs: 3_000,
      statementTimeoutMs: DATABASE_DEFAULTS.statementTimeoutMs,
      transactionTimeoutMs: 60_000,
    });
  });

  it("refuse nonsense with the variable's name", () => {
    expect(() => databaseSettings({ DATABASE_POOL_SIZE: "0" })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => databaseSettings({ DATABASE_CONNECTION_WAIT_MS: "10s" })).toThrow(
      /DATABASE_CONNECTION_WAIT_MS must be a whole number/,
    );
    expect(() => databaseSettings({ DATABASE_STATEMENT_TIMEOUT_MS: "5" })).toThrow(
      /DATABASE_STATEMENT_TIMEOUT_MS must be from 100/,
    );
    expect(() => databaseSettings({ DATABASE_TRANSACTION_TIMEOUT_MS: "-1" })).toThrow(
      /DATABASE_TRANSACTION_TIMEOUT_MS/,
    );
  });
});
