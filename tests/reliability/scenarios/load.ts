// Load: signed-in people browsing Overview, Rollouts, an SLO page and an incident page of the
// demo fleet, against one `all` process (pages and the worker's loops), while an engineer
// aborts a running rollout from a session of their own. Full: 50 users for 2 minutes, then 200
// users to see where it saturates and why (pool waits, the app's and PostgreSQL's CPU, the
// statements running). Short: 10 users for 15 s. Zero errors; the abort applied within 2 s.
import type { Scenario } from "../scenario";
import { signIn, startApp, startDatabase, sql, type AppProcess } from "../support/app";
import {
  addServingObjects,
  startRollout,
  waitSettled,
  type ServingObject,
  type StartedRollout,
} from "../support/rollouts";
import { timedAbort, type AbortTiming } from "../load/abort";
import { browserAbort, type BrowserAbort } from "../load/browser-abort";
import { runLoad, type LoadReport, type Page } from "../load/load";
import {
  cpuShare,
  poolWaits,
  sample,
  scrape,
  slowest,
  treeCpuSeconds,
  type Peaks,
  type PoolWaits,
} from "../load/observe";

/** The issue's bound on an abort under load. */
const ABORT_BOUND_MS = 2_000;

interface Phase {
  load: LoadReport;
  pool: PoolWaits;
  peaks: Peaks;
  appCpu: number;
  databaseCpu: number;
  slow: string[];
  abort: AbortTiming | null;
}

/** Signs `count` sessions in, a few at a time (the sign-in door admits 4 per address). */
async function sessions(url: string, count: number): Promise<string[]> {
  const people = ["viewer@flightdeck.demo", "release2@flightdeck.demo", "admin@flightdeck.demo"];
  const cookies: string[] = [];
  for (let i = 0; i < count; i += 3) {
    const batch = people.slice(0, Math.min(3, count - i));
    cookies.push(...(await Promise.all(batch.map((email) => signIn(url, email)))));
  }
  return cookies;
}

async function rolloutAtPause(
  app: AppProcess,
  databaseUrl: string,
  cookie: string,
  object: ServingObject,
): Promise<StartedRollout> {
  const rollout = await startRollout(app.url, cookie, object, "weight 20\npause\nweight 100");
  const settled = await waitSettled(databaseUrl, [rollout.id], { timeoutMs: 30_000 });
  if (settled.unsettled.length > 0) {
    throw new Error(`the rollout did not reach its pause: ${settled.unsettled.join("; ")}`);
  }
  return rollout;
}

async function phase(
  app: AppProcess,
  databaseUrl: string,
  postgresPid: () => number,
  options: { pages: Page[]; cookies: string[]; durationMs: number },
  abort: (() => Promise<AbortTiming>) | null,
  during?: () => Promise<void>,
): Promise<Phase> {
  const before = await scrape(app.url);
  const dbCpuBefore = treeCpuSeconds(postgresPid());
  const sampling = sample(app.url, databaseUrl);
  const started = performance.now();
  const running = runLoad({ url: app.url, ...options });
  // The abort comes once the load is in full swing.
  let timing: AbortTiming | null = null;
  if (abort) {
    await new Promise((r) => setTimeout(r, Math.min(10_000, options.durationMs / 3)));
    timing = await abort();
  }
  if (during) await during();
  const load = await running;
  const seconds = (performance.now() - started) / 1000;
  await sampling.stop();
  const after = await scrape(app.url);
  return {
    load,
    pool: poolWaits(before, after, sampling.peaks),
    peaks: sampling.peaks,
    appCpu: cpuShare(before, after, seconds),
    databaseCpu: Math.round(((treeCpuSeconds(postgresPid()) - dbCpuBefore) / seconds) * 100) / 100,
    slow: slowest(sampling.slow),
    abort: timing,
  };
}

function describe(label: string, p: Phase, log: (line: string) => void): void {
  const l = p.load;
  log(
    `${label}: ${l.users} users, ${l.seconds} s, ${l.requests} requests (${l.throughput}/s), ` +
      `${l.errors} errors${l.errors ? ` ${JSON.stringify(l.kinds)}` : ""}`,
  );
  for (const [name, f] of Object.entries(l.pages)) {
    log(
      `  ${name}: p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, max ${f.max} ms (${f.requests})`,
    );
  }
  log(
    `  pool: ${p.pool.waits} waits (${p.pool.gaveUp} gave up, mean ${p.pool.meanMs} ms, ` +
      `${p.pool.over100ms} over 100 ms), at most ${p.pool.maxWaiting} waiting and ` +
      `${p.pool.maxInUse} in use; CPU: app ${p.appCpu}, PostgreSQL ${p.databaseCpu} (cores)`,
  );
  log(
    `  at most ${p.peaks.active} statements running and ${p.peaks.idleInTransaction} transactions ` +
      `waiting on the app; event loop delay p99 up to ${p.peaks.eventLoopP99Ms} ms`,
  );
  for (const line of p.slow) log(`  slow: ${line}`);
  if (p.abort) {
    log(
      `  abort: accepted in ${p.abort.acceptedMs} ms, applied in ${p.abort.appliedMs ?? "—"} ms` +
        (p.abort.refusal ? ` (refused: ${p.abort.refusal})` : ""),
    );
  }
}

/** Where a saturated run spent its capacity, from the evidence the phase gathered. */
function bottleneck(p: Phase): string {
  const reasons: string[] = [];
  if (p.appCpu >= 0.85) reasons.push(`app CPU ${p.appCpu} cores (Node runs pages on one)`);
  if (p.databaseCpu >= 0.5) reasons.push(`PostgreSQL CPU ${p.databaseCpu} cores`);
  if (p.peaks.eventLoopP99Ms >= 200) {
    reasons.push(`event loop delay p99 ${p.peaks.eventLoopP99Ms} ms (rendering queued on the CPU)`);
  }
  if (p.pool.over100ms > 0) {
    // Connections in use while PostgreSQL runs almost nothing: held by the app waiting for CPU.
    const held = p.peaks.active <= 2 ? ", while PostgreSQL ran ≤2 statements at once" : "";
    reasons.push(`${p.pool.over100ms} pool waits over 100 ms${held}`);
  }
  if (p.slow.length > 0) reasons.push(`slow statements seen`);
  return reasons.join("; ") || "no resource at its limit";
}

const scenario: Scenario = {
  name: "load",
  order: 50,
  async run({ short, log, port }) {
    const failures: string[] = [];
    const figures: Record<string, string | number> = {};
    const users = short ? 10 : 50;
    const durationMs = short ? 15_000 : 120_000;
    const database = await startDatabase();
    const objects = await addServingObjects(database.url, short ? 1 : 3, "load");
    const app = await startApp("all", { databaseUrl: database.url, port: port() });
    const [slo] = await sql<{ name: string }>(
      database.url,
      `SELECT name FROM "Slo" ORDER BY name LIMIT 1`,
    );
    const [incident] = await sql<{ number: number }>(
      database.url,
      `SELECT number FROM "Incident" ORDER BY number LIMIT 1`,
    );
    if (!slo || !incident) throw new Error("the demo fleet has no SLO or no incident");
    const pages: Page[] = [
      { name: "overview", path: "/" },
      { name: "rollouts", path: "/rollouts" },
      { name: "slo", path: `/slos/${slo.name}` },
      { name: "incident", path: `/incidents/${incident.number}` },
    ];
    const release = await signIn(app.url, "release@flightdeck.demo");
    const engineer = await signIn(app.url, "engineer@flightdeck.demo");
    // Every session is made before any load (the full run's 200 too): signing in is not measured.
    const everyone = await sessions(app.url, short ? users : 200);
    const cookies = everyone.slice(0, users);
    log(`${cookies.length} sessions; pages ${pages.map((p) => p.path).join(" ")}`);

    const [first, second] = objects;
    if (!first) throw new Error("no serving object");
    const abortDuring = async (object: ServingObject): Promise<() => Promise<AbortTiming>> => {
      const rollout = await rolloutAtPause(app, database.url, release, object);
      return () => timedAbort(app.url, database.url, engineer, rollout);
    };

    // In the full run a second engineer's abort comes from a real browser, later in the run.
    const third = objects[2];
    const viaBrowser =
      third && !short ? await rolloutAtPause(app, database.url, release, third) : null;
    let browser: BrowserAbort | null = null;
    const main = await phase(
      app,
      database.url,
      database.pid,
      { pages, cookies, durationMs },
      await abortDuring(first),
      viaBrowser
        ? async () => {
            browser = await browserAbort(app.url, database.url, engineer, viaBrowser);
            log(
              `  browser abort: page ${browser.pageLoadMs} ms, applied ${browser.appliedMs ?? "—"} ms, shown ${browser.shownMs ?? "—"} ms after the click`,
            );
          }
        : undefined,
    );
    describe(`${users} users`, main, log);
    figures.users = users;
    figures.seconds = main.load.seconds;
    figures.requests = main.load.requests;
    figures["req/s"] = main.load.throughput;
    figures.errors = main.load.errors;
    for (const [name, f] of Object.entries(main.load.pages)) {
      figures[`${name} p50/p95/p99 ms`] = `${f.p50}/${f.p95}/${f.p99}`;
    }
    figures["pool waits"] = main.pool.waits;
    figures["pool waits >100 ms"] = main.pool.over100ms;
    figures["app CPU cores"] = main.appCpu;
    figures["abort applied ms"] = main.abort?.appliedMs ?? "never";
    if (main.load.errors > 0) {
      failures.push(
        `${main.load.errors} of ${main.load.requests} page loads failed: ${main.load.samples.join(", ")}`,
      );
    }
    const fromBrowser = browser as BrowserAbort | null;
    if (fromBrowser) {
      figures["browser abort applied ms"] = fromBrowser.appliedMs ?? "never";
      figures["browser abort shown ms"] = fromBrowser.shownMs ?? "never";
      if (fromBrowser.appliedMs === null || fromBrowser.appliedMs > ABORT_BOUND_MS) {
        failures.push(
          `the browser's abort under load was applied in ${fromBrowser.appliedMs ?? "never"} ms (bound ${ABORT_BOUND_MS} ms)`,
        );
      }
    }
    if (main.abort?.refusal) failures.push(`the abort was refused: ${main.abort.refusal}`);
    else if (main.abort?.appliedMs === null || (main.abort?.appliedMs ?? 0) > ABORT_BOUND_MS) {
      failures.push(
        `the abort under load was applied in ${main.abort?.appliedMs ?? "never"} ms (bound ${ABORT_BOUND_MS} ms)`,
      );
    }

    if (!short && second) {
      // Four times the users: where does it saturate, and why?
      const heavy = await phase(
        app,
        database.url,
        database.pid,
        { pages, cookies: everyone, durationMs: 30_000 },
        await abortDuring(second),
      );
      describe("200 users", heavy, log);
      figures["200 users req/s"] = heavy.load.throughput;
      figures["200 users p95 ms (overview)"] = heavy.load.pages.overview?.p95 ?? 0;
      figures["200 users errors"] = heavy.load.errors;
      figures["200 users app CPU cores"] = heavy.appCpu;
      figures["200 users pool waits >100 ms"] = heavy.pool.over100ms;
      figures["200 users abort applied ms"] = heavy.abort?.appliedMs ?? "never";
      figures["200 users bottleneck"] = bottleneck(heavy);
      // At 200 users latency may grow, but nothing may fail.
      if (heavy.load.errors > 0) {
        failures.push(
          `200 users: ${heavy.load.errors} of ${heavy.load.requests} page loads failed: ${heavy.load.samples.join(", ")}`,
        );
      }
    }
    if (app.exited())
      failures.push(`the app exited during the load:\n${app.output().slice(-2000)}`);
    return { name: "load", figures, failures };
  },
};

export default scenario;
