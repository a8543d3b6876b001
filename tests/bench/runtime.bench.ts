// The built app as production runs it (needs `npm run build`): how long `flightdeck migrate`
// takes on an empty database, how long a `flightdeck web` process takes from start to ready,
// what its per-request log line and metrics cost (requests per second on the liveness probe
// with LOG_LEVEL=info against silent), and what a /metrics scrape costs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { inject, it } from "vitest";
import { databaseUrlOf, sql } from "../support/postgres";
import { time } from "./timing";

const ENTRY = path.join(".next", "standalone", "flightdeck.mjs");
const PORT = 3990;
const TOKEN = "bench-metrics-token";

async function emptyDatabase(): Promise<string> {
  const server = inject("databaseServerUrl");
  const name = `${inject("databaseRun")}_rt_${randomBytes(4).toString("hex")}`;
  await sql(server, `CREATE DATABASE ${name}`);
  return databaseUrlOf(server, name);
}

function web(databaseUrl: string, logLevel: string): ChildProcess {
  return spawn(process.execPath, [ENTRY, "web"], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      AUTH_SECRET: randomBytes(33).toString("base64"),
      FLIGHTDECK_DEMO: "0",
      FLIGHTDECK_METRICS_TOKEN: TOKEN,
      LOG_LEVEL: logLevel,
      PORT: String(PORT),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function untilReady(): Promise<void> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/api/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

/** Requests per second from `clients` concurrent loops for `ms`. */
async function throughput(url: string, clients: number, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const res = await fetch(url);
        await res.arrayBuffer();
        done += 1;
      }
    }),
  );
  return done / (ms / 1000);
}

it(
  "the built app: migrate, start, per-request telemetry, scrape",
  { timeout: 600_000 },
  async () => {
    if (!existsSync(ENTRY)) {
      console.log(`${ENTRY} is missing: run npm run build first.`);
      return;
    }
    const started = performance.now();
    const url = await emptyDatabase();
    const migrate = spawnSync(process.execPath, [ENTRY, "migrate"], {
      env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: url, LOG_LEVEL: "warn" },
    });
    if (migrate.status !== 0) throw new Error(String(migrate.stderr));
    console.log(
      `flightdeck migrate, empty database: ${(performance.now() - started).toFixed(0)} ms (process start included)`,
    );

    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const child = web(url, "warn");
      await untilReady();
      starts.push(performance.now() - t);
      await stop(child);
    }
    console.log(
      `flightdeck web, start to ready: ${starts.map((s) => s.toFixed(0)).join(", ")} ms (3 starts)`,
    );

    for (const level of ["silent", "info"]) {
      const child = web(url, level);
      await untilReady();
      await throughput(`http://127.0.0.1:${PORT}/api/health/live`, 20, 1_000); // warm-up
      const rps = await throughput(`http://127.0.0.1:${PORT}/api/health/live`, 20, 5_000);
      console.log(`GET /api/health/live, 20 clients, LOG_LEVEL=${level}: ${rps.toFixed(0)} req/s`);
      if (level === "info") {
        await time("GET /metrics (after the load above)", 50, () =>
          fetch(`http://127.0.0.1:${PORT}/metrics`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          }).then((r) => r.text()),
        );
      }
      await stop(child);
    }
  },
);
