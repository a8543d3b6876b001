// Each page's server time beside its SQL floor: the time PostgreSQL spends planning and
// executing the statements the page runs (pg_stat_statements), so the ratio says how much of a page is its
// data and how much is Flightdeck (queries' round trips, rendering, serialisation).
//
// It starts the production build's web process (no worker, so every statement counted is a
// page's) on a database and requests each page one after another, signed in as an admin. By
// default the database is this file's copy of the demo fleet; for the large fleet (stop any
// Flightdeck using it first):
//
//   FLIGHTDECK_DATA_DIR=.flightdeck-large npx flightdeck seed --scale large
//   npm run build
//   FLIGHTDECK_BENCH_DATA_DIR=.flightdeck-large npm run bench -- tests/bench/page-floors.bench.ts
//
// FLIGHTDECK_BENCH_RUNS (20) is how many requests each page gets after its warm-up.
//
// Pages that read a shared figure (the quarter's review for a minute, the header's platform
// status for 5 s) mostly serve it from memory after the first request: their floor is what the
// other requests still run.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { it } from "vitest";
import pg from "pg";
import { ensureDatabase, freePort, type DatabaseHandle } from "../../scripts/lib/database";
import { signIn } from "../reliability/support/app";
import { fleetPages } from "./fleet-pages";

const RUNS = Number(process.env.FLIGHTDECK_BENCH_RUNS ?? 20);
const WARMUP = 3;
const GOAL_P95_MS = 300;
const GOAL_RATIO = 2;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function startWeb(databaseUrl: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const entry = path.join(process.cwd(), ".next", "standalone", "flightdeck.mjs");
  if (!existsSync(entry)) throw new Error("no production build: run `npm run build` first");
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-bench-"));
  const child: ChildProcess = spawn(process.execPath, [entry, "web"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: randomBytes(33).toString("base64"),
      AUTH_TRUST_HOST: "true",
      FLIGHTDECK_DEMO: "1",
      FLIGHTDECK_DEMO_LOCAL: "1",
      FLIGHTDECK_DATA_DIR: dataDir,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the web process exited (${child.exitCode})`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error("the web process did not become healthy");
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

it("page server time against its SQL floor", async () => {
  let database: DatabaseHandle | null = null;
  let databaseUrl = process.env.DATABASE_URL ?? "";
  const benchDir = process.env.FLIGHTDECK_BENCH_DATA_DIR;
  if (benchDir) {
    // ensureDatabase uses DATABASE_URL when it is set: this file's test database
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      database = await ensureDatabase({ dataDir: path.resolve(benchDir) });
    } finally {
      process.env.DATABASE_URL = saved;
    }
    databaseUrl = database.url;
  }
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const web = await startWeb(databaseUrl);
  try {
    await sql.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const cookie = await signIn(web.url, "admin@flightdeck.demo");
    const pages = await fleetPages(web.url, cookie);
    const get = async (pagePath: string) => {
      const started = performance.now();
      const res = await fetch(`${web.url}${pagePath}`, { headers: { cookie } });
      await res.text();
      if (res.status !== 200) throw new Error(`${pagePath} answered ${res.status}`);
      return performance.now() - started;
    };
    const floorOf = async () => {
      const { rows } = await sql.query<{ ms: number | null; calls: string | null }>(
        `SELECT sum(total_plan_time + total_exec_time)::float8 AS ms, sum(calls)::text AS calls
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query NOT ILIKE '%pg_stat_statements%'`,
      );
      return { ms: rows[0]?.ms ?? 0, statements: Number(rows[0]?.calls ?? 0) };
    };

    const counts = await sql.query<{ rollouts: string; slos: string; audit: string }>(
      `SELECT (SELECT count(*) FROM "Rollout")::text AS rollouts,
              (SELECT count(*) FROM "Slo")::text AS slos,
              (SELECT count(*) FROM "AuditEvent")::text AS audit`,
    );
    const c = counts.rows[0];
    const lines: string[] = [];
    lines.push(
      `\n${benchDir ? path.basename(benchDir) : "demo fleet"}: ${c?.rollouts} rollouts, ${c?.slos} SLOs, ${c?.audit} audit events; ${RUNS} requests per page after ${WARMUP}\n`,
    );
    lines.push("| page | p50 ms | p95 ms | SQL floor ms | statements | p50 ÷ floor | goal |");
    lines.push("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const page of pages) {
      for (let i = 0; i < WARMUP; i++) await get(page.path);
      await sql.query("SELECT pg_stat_statements_reset()");
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(await get(page.path));
      const floor = await floorOf();
      samples.sort((a, b) => a - b);
      const p50 = quantile(samples, 0.5);
      const p95 = quantile(samples, 0.95);
      const floorMs = floor.ms / RUNS;
      const ratio = floorMs > 0 ? p50 / floorMs : Infinity;
      const misses = [
        p95 > GOAL_P95_MS ? `p95 over ${GOAL_P95_MS} ms` : null,
        ratio > GOAL_RATIO ? `over ${GOAL_RATIO}× its floor` : null,
      ].filter(Boolean);
      lines.push(
        `| ${page.name} | ${p50.toFixed(0)} | ${p95.toFixed(0)} | ${floorMs.toFixed(1)} | ${(floor.statements / RUNS).toFixed(1)} | ${ratio === Infinity ? "—" : `${ratio.toFixed(1)}×`} | ${misses.join(", ") || "met"} |`,
      );
    }
    console.log(lines.join("\n"));
  } finally {
    await web.stop();
    await sql.end();
    await database?.stop();
  }
}, 1_800_000);
