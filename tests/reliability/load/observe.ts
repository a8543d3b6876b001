// What a load run is measured by besides latency: the app's own /metrics (database pool waits,
// the process's CPU), the CPU of PostgreSQL's processes, and the statements PostgreSQL is
// running while the load lasts (pg_stat_activity, sampled), so a saturation can be explained
// by evidence: the pool, the app's CPU, the database's CPU, or one query.
import { readdirSync, readFileSync } from "node:fs";
import { METRICS_TOKEN, sql } from "../support/app";

/** Prometheus text as series → value (`name{labels}` as written). */
export type Samples = Map<string, number>;

export async function scrape(url: string): Promise<Samples> {
  const res = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const samples: Samples = new Map();
  for (const line of (await res.text()).split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const value = (s: Samples, series: string) => s.get(series) ?? 0;

export interface PoolWaits {
  /** requests for a connection that found none free */
  waits: number;
  /** of which gave up (no connection within DATABASE_CONNECTION_WAIT_MS) */
  gaveUp: number;
  /** mean wait of those that waited, ms */
  meanMs: number;
  /** waits longer than 100 ms and than 1 s */
  over100ms: number;
  over1s: number;
  /** the most requests waiting at once, as sampled */
  maxWaiting: number;
  /** connections in use, most at once as sampled */
  maxInUse: number;
}

/** Pool waits between two scrapes of the same process, and the peaks the sampler saw. */
export function poolWaits(before: Samples, after: Samples, peaks: Peaks): PoolWaits {
  const d = (series: string) => value(after, series) - value(before, series);
  const name = "flightdeck_db_pool_wait_seconds";
  const count = (outcome: string) => d(`${name}_count{outcome="${outcome}"}`);
  const bucket = (le: string, outcome: string) =>
    d(`${name}_bucket{le="${le}",outcome="${outcome}"}`);
  const waits = count("ok") + count("error");
  const sum = d(`${name}_sum{outcome="ok"}`) + d(`${name}_sum{outcome="error"}`);
  const within = (le: string) => bucket(le, "ok") + bucket(le, "error");
  return {
    waits,
    gaveUp: count("error"),
    meanMs: waits > 0 ? Math.round((sum / waits) * 1000) : 0,
    over100ms: waits - within("0.1"),
    over1s: waits - within("1"),
    maxWaiting: peaks.waiting,
    maxInUse: peaks.inUse,
  };
}

/** Seconds of CPU the process used between two scrapes, per second of wall time (1 = a core). */
export function cpuShare(before: Samples, after: Samples, seconds: number): number {
  const cpu = (s: Samples) => value(s, "flightdeck_process_cpu_seconds_total");
  return Math.round(((cpu(after) - cpu(before)) / seconds) * 100) / 100;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds of `pid` and its child processes (PostgreSQL's backends), from /proc. */
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command's closing parenthesis: state ppid … utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      if (Number(entry) === pid || ppid === pid) {
        total += (Number(fields[11]) + Number(fields[12])) / TICKS;
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

export interface Peaks {
  /** requests waiting for a pooled connection */
  waiting: number;
  /** pooled connections in use */
  inUse: number;
  /** the app's connections running a statement in PostgreSQL */
  active: number;
  /** the app's connections inside a transaction, waiting for the app's next statement */
  idleInTransaction: number;
  /** the app's event loop delay, 99th percentile, ms */
  eventLoopP99Ms: number;
}

export interface Sampling {
  peaks: Peaks;
  /** statements seen running for longer than 100 ms, by their text, with the longest seen */
  slow: Map<string, { seen: number; longestMs: number }>;
  stop(): Promise<void>;
}

/**
 * Samples, every `everyMs`, the pool gauge of the app and what PostgreSQL is running, until
 * stopped. Failures to sample are skipped: sampling must not disturb the run it watches.
 */
export function sample(appUrl: string, databaseUrl: string, everyMs = 1_000): Sampling {
  const peaks: Peaks = { waiting: 0, inUse: 0, active: 0, idleInTransaction: 0, eventLoopP99Ms: 0 };
  const slow = new Map<string, { seen: number; longestMs: number }>();
  let running = true;
  const rejectAfter = (ms: number) =>
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("slow sample")), ms).unref(),
    );
  const loop = (async () => {
    while (running) {
      try {
        await Promise.race([sampleOnce(), rejectAfter(5_000)]);
      } catch {
        // skipped sample
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  async function sampleOnce(): Promise<void> {
    {
      // one sample: the app's pool gauge and event loop, then what PostgreSQL runs
      const s = await scrape(appUrl);
      peaks.waiting = Math.max(
        peaks.waiting,
        value(s, 'flightdeck_db_pool_connections{state="waiting"}'),
      );
      peaks.inUse = Math.max(
        peaks.inUse,
        value(s, 'flightdeck_db_pool_connections{state="in_use"}'),
      );
      peaks.eventLoopP99Ms = Math.max(
        peaks.eventLoopP99Ms,
        Math.round(value(s, "flightdeck_nodejs_eventloop_lag_p99_seconds") * 1000),
      );
      const states = await sql<{ state: string; n: number }>(
        databaseUrl,
        `SELECT state, count(*)::int AS n FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
              AND datname = current_database() AND application_name = ''
            GROUP BY state`,
      );
      const count = (state: string) => states.find((r) => r.state === state)?.n ?? 0;
      peaks.active = Math.max(peaks.active, count("active"));
      peaks.idleInTransaction = Math.max(peaks.idleInTransaction, count("idle in transaction"));
      const rows = await sql<{ query: string; ms: number }>(
        databaseUrl,
        `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query,
                  (extract(epoch FROM clock_timestamp() - query_start) * 1000)::int AS ms
             FROM pg_stat_activity
            WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
              AND clock_timestamp() - query_start > interval '100 milliseconds'`,
      );
      for (const row of rows) {
        const seen = slow.get(row.query) ?? { seen: 0, longestMs: 0 };
        slow.set(row.query, { seen: seen.seen + 1, longestMs: Math.max(seen.longestMs, row.ms) });
      }
    }
  }
  return {
    peaks,
    slow,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** The slow statements seen most often, for a report line. */
export function slowest(slow: Sampling["slow"], top = 3): string[] {
  return [...slow]
    .sort((a, b) => b[1].seen - a[1].seen)
    .slice(0, top)
    .map(([query, s]) => `${s.seen}× ≤${s.longestMs} ms: ${query}`);
}
