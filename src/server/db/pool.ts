import "server-only";
import pg from "pg";
import { dbPoolWait, registerPool } from "@/lib/telemetry/metrics";
import type { DatabaseSettings } from "@/server/db/settings";

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * pg's pool, measuring how long requests wait for a connection when none is free (the
 * `flightdeck_db_pool_wait_seconds` histogram: its count is how many waited).
 */
class MeasuredPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const queued = this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10);
    const started = performance.now();
    const observe = (outcome: "ok" | "error") => {
      if (queued) dbPoolWait.observe({ outcome }, (performance.now() - started) / 1000);
    };
    if (callback) {
      super.connect((err, client, done) => {
        observe(err ? "error" : "ok");
        callback(err, client, done);
      });
      return;
    }
    return super.connect().then(
      (client) => {
        observe("ok");
        return client;
      },
      (error: unknown) => {
        observe("error");
        throw error;
      },
    );
  }
}

/**
 * The process's connection pool. A connection that dies while a transaction holds it (the
 * server restarted, or killed the backend) is released with its error, which removes it: the
 * Prisma adapter releases a transaction's connection only after its ROLLBACK succeeds, which on
 * a dead connection it never does, so each such transaction used to leak one pooled connection
 * until the pool was empty and every request timed out waiting, until a restart of the app.
 */
export function createPool(connectionString: string, settings: DatabaseSettings): pg.Pool {
  const pool = new MeasuredPool({
    connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectionWaitMs,
    statement_timeout: settings.statementTimeoutMs,
  });
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on("acquire", (client) => checkedOut.add(client));
  pool.on("release", (_error, client) => checkedOut.delete(client));
  pool.on("connect", (client) => {
    client.once("end", () => {
      // After the current turn: whoever holds it and saw the error releases it themselves.
      setImmediate(() => {
        if (!checkedOut.has(client)) return;
        checkedOut.delete(client);
        try {
          client.release(new Error("The database connection closed while in use."));
        } catch {
          // released meanwhile: nothing left to do
        }
      });
    });
  });
  registerPool(() => pool);
  return pool;
}
