import "server-only";
import pg from "pg";
import { dbPoolWait, registerPool } from "@/lib/telemetry/metrics";
import type { DatabaseSettings } from "@/server/db/settings";

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/** The priority lane's connections: a quarter of the pool's, at least 2. */
export function priorityLaneSize(poolSize: number): number {
  return Math.max(2, Math.ceil(poolSize / 4));
}

const isFull = (pool: pg.Pool) =>
  pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? 10);

/**
 * pg's pool, measuring how long requests wait for a connection when none is free (the
 * `flightdeck_db_pool_wait_seconds` histogram: its count is how many waited).
 */
class MeasuredPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const queued = isFull(this);
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
 * The priority lane: a person's changes take its connections, and queue on the main pool only
 * when it is full (a change that holds a transaction and reads beside it must not wait on
 * itself).
 */
class LanePool extends pg.Pool {
  main: pg.Pool | null = null;

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const target = this.main && isFull(this) ? this.main : null;
    if (callback) return target ? target.connect(callback) : super.connect(callback);
    return target ? target.connect() : super.connect();
  }
}

function poolOptions(connectionString: string, settings: DatabaseSettings): pg.PoolConfig {
  return {
    connectionString,
    connectionTimeoutMillis: settings.connectionWaitMs,
    statement_timeout: settings.statementTimeoutMs,
  };
}

/** The process's connection pool. */
export function createPool(connectionString: string, settings: DatabaseSettings): pg.Pool {
  const pool = new MeasuredPool({
    ...poolOptions(connectionString, settings),
    max: settings.poolSize,
  });
  recoverDeadConnections(pool);
  registerPool(() => pool);
  return pool;
}

/** The priority lane beside `main`: a quarter of its size, at least 2. */
export function createLanePool(
  connectionString: string,
  settings: DatabaseSettings,
  main: pg.Pool,
): pg.Pool {
  const lane = new LanePool({
    ...poolOptions(connectionString, settings),
    max: priorityLaneSize(settings.poolSize),
  });
  lane.main = main;
  recoverDeadConnections(lane);
  return lane;
}

/**
 * A connection that dies while a transaction holds it (the server restarted, or killed the
 * backend) is released with its error, which removes it: the Prisma adapter releases a
 * transaction's connection only after its ROLLBACK succeeds, which on a dead connection it never
 * does, so each such transaction used to leak one pooled connection until the pool was empty and
 * every request timed out waiting, until a restart of the app.
 */
function recoverDeadConnections(pool: pg.Pool): void {
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
}
