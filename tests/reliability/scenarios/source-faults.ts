// Prometheus down, slow (5 s) and answering garbage, in turn, while a canary is in analysis and
// people browse: every page still renders (at once, with the source marked stale and its age),
// an action that needs the missing source is refused with the reason, and analysis holds (no
// interval passes, fails or is judged marginal on missing data; the rollout is blocked with the
// reason), then carries on when Prometheus is back.
import type { Scenario, ScenarioContext } from "../scenario";
import { callAction, signIn, sleep, sql, startApp, startDatabase } from "../support/app";
import { addServingObjects, commandRollout, rolloutRows, startRollout } from "../support/rollouts";
import { startFaultProxy, startScrapingPrometheus, type FaultMode } from "../support/sources";

/** Every page must render within this (its reads of a broken source are cut at 800 ms). */
const PAGE_BOUND_MS = 1_000;

interface Timed {
  page: string;
  ms: number;
  status: number;
  stale: boolean;
}

async function timedGet(url: string, cookie: string, page: string): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(`${url}${page}`, { headers: { cookie }, redirect: "manual" });
  const body = await res.text();
  return {
    page,
    ms: performance.now() - started,
    status: res.status,
    // the header's platform badge: degraded or down, with each source's last answer in words
    stale: /data-testid="platform-status"[^>]*data-status="(degraded|down)"/.test(body),
  };
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await sleep(2_000);
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

const scenario: Scenario = {
  name: "Prometheus down, slow, garbage",
  order: 35,
  async run(ctx: ScenarioContext) {
    const failures: string[] = [];
    const phaseMs = ctx.short ? 12_000 : 25_000;
    const db = await startDatabase();
    const [object] = await addServingObjects(db.url, 1, "src");
    if (!object) throw new Error("no serving object");
    const appPort = ctx.port();
    const prometheus = await startScrapingPrometheus(ctx.port(), `127.0.0.1:${appPort}`);
    const proxy = await startFaultProxy(ctx.port(), prometheus.url);
    try {
      const app = await startApp("all", {
        databaseUrl: db.url,
        port: appPort,
        env: { PROMETHEUS_URL: proxy.url, PROMETHEUS_RATE_WINDOW: "30s" },
      });
      // Prometheus has scraped enough for a rate of the object's requests
      await until("Prometheus data", 90_000, async () => {
        const q = encodeURIComponent(
          `sum(rate(flightdeck_sim_requests_total{model="${object.model}"}[30s]))`,
        );
        const body = (await fetch(`${prometheus.url}/api/v1/query?query=${q}`).then((r) =>
          r.json(),
        )) as { data?: { result?: unknown[] } };
        return (body.data?.result?.length ?? 0) > 0 ? true : null;
      });
      const release = await signIn(app.url, "release@flightdeck.demo");
      const admin = await signIn(app.url, "admin@flightdeck.demo");
      // a long analysis, so the whole scenario runs inside its window
      const rollout = await startRollout(
        app.url,
        release,
        object,
        "weight 50\nanalysis 3600s every 10s\nweight 100",
      );
      const runs = async (verdicts: string[]) =>
        Number(
          (
            await sql<{ n: string }>(
              db.url,
              `SELECT count(*) AS n FROM "AnalysisRun" WHERE "rolloutId" = $1 AND verdict = ANY($2)`,
              [rollout.id, verdicts],
            )
          )[0]?.n ?? 0,
        );
      const judged = () => runs(["pass", "marginal", "fail"]);
      // The simulated staging traffic of a new model is too thin for a verdict (fewer than 20
      // canary requests an interval): recorded intervals are inconclusive, which is enough to see
      // analysis run while Prometheus answers and stop while it does not.
      const recorded = () => runs(["pass", "marginal", "fail", "inconclusive"]);
      await until("a first analysis interval", 120_000, async () =>
        (await recorded()) > 0 ? true : null,
      );
      ctx.log(`healthy: rollout ${rollout.id} analyzing, ${await recorded()} interval(s) recorded`);

      const pages = ["/", "/rollouts", `/rollouts/${rollout.id}`, `/models/${object.model}`];
      const figures: Record<string, string | number> = {};
      // the short run (in `npm test`) breaks it one way; the full run all three
      const modes: FaultMode[] = ctx.short ? ["down"] : ["down", "slow", "garbage"];
      for (const mode of modes) {
        proxy.mode = mode;
        const before = await judged();
        const recordedBefore = await recorded();
        const times: Timed[] = [];
        const started = Date.now();
        let refused: string | null = null;
        const isBlocked = async () =>
          (
            await sql<{ blockedKind: string | null }>(
              db.url,
              `SELECT "blockedKind" FROM "Rollout" WHERE id = $1`,
              [rollout.id],
            )
          )[0]?.blockedKind === "metrics";
        // the phase lasts phaseMs, and until the engine's own read (5 s timeout) has given up
        while (
          Date.now() - started < phaseMs ||
          (Date.now() - started < phaseMs + 30_000 && !(await isBlocked()))
        ) {
          for (const page of pages) times.push(await timedGet(app.url, release, page));
          if (refused === null) {
            // a latency SLO is checked against Prometheus's histogram: refused with the reason
            const answer = await callAction(
              app.url,
              admin,
              "createSloAction",
              {
                name: `src-${mode}-latency`,
                service: object.model,
                team: "ranking",
                sliKind: "latency",
                threshold: 250,
                objective: 0.99,
                window: { kind: "rolling", days: 28 },
                budgetingMethod: "occurrences",
              },
              { page: "/slos/new" },
            );
            refused =
              answer.result && !answer.result.ok
                ? `${answer.result.error.code}: ${answer.result.error.message}`
                : `answered ${answer.status} ${answer.body.slice(0, 200)}`;
          }
          await sleep(250);
        }
        const [row] = await rolloutRows(db.url, [rollout.id]);
        const blocked = (
          await sql<{ blockedKind: string | null; blockedReason: string | null }>(
            db.url,
            `SELECT "blockedKind", "blockedReason" FROM "Rollout" WHERE id = $1`,
            [rollout.id],
          )
        )[0];
        const after = await judged();
        const recordedAfter = await recorded();
        const warm = times.slice(pages.length); // the first round may wait out one timeout
        const p95 = percentile(
          warm.map((t) => t.ms),
          95,
        );
        const max = Math.max(...warm.map((t) => t.ms));
        const errors = times.filter((t) => t.status !== 200).length;
        const stale = times.filter((t) => t.stale).length;
        figures[`${mode}: pages`] = times.length;
        figures[`${mode}: p95 ms`] = Math.round(p95);
        figures[`${mode}: max ms`] = Math.round(max);
        figures[`${mode}: stale shown`] = stale;
        figures[`${mode}: intervals judged`] = after - before;
        figures[`${mode}: intervals recorded`] = recordedAfter - recordedBefore;
        figures[`${mode}: rollout`] =
          `${row?.status ?? "?"}${blocked?.blockedKind ? ` (blocked: ${blocked.blockedKind})` : ""}`;
        ctx.log(
          `${mode}: ${times.length} pages, p95 ${Math.round(p95)} ms, max ${Math.round(max)} ms, ${errors} errors; rollout ${row?.status} ${blocked?.blockedReason ?? ""}; SLO save: ${refused}`,
        );
        if (errors > 0) failures.push(`${mode}: ${errors} page(s) did not answer 200`);
        if (p95 > PAGE_BOUND_MS) failures.push(`${mode}: page p95 ${Math.round(p95)} ms`);
        if (stale === 0) failures.push(`${mode}: no page said the source is not answering`);
        if (after !== before) {
          failures.push(`${mode}: ${after - before} interval(s) judged while Prometheus was out`);
        }
        // down and slow leave nothing to record; garbage that parses as "no series" reads as no
        // traffic, which is recorded as inconclusive, never as a verdict
        if (mode !== "garbage" && recordedAfter !== recordedBefore) {
          failures.push(`${mode}: ${recordedAfter - recordedBefore} interval(s) recorded`);
        }
        if (row?.status !== "analyzing") failures.push(`${mode}: the rollout is ${row?.status}`);
        if (blocked?.blockedKind !== "metrics") {
          failures.push(
            `${mode}: the rollout was not blocked on metrics (${blocked?.blockedKind})`,
          );
        }
        if (!refused?.startsWith("UNAVAILABLE: Prometheus did not answer")) {
          failures.push(
            `${mode}: saving a latency SLO was not refused with the reason: ${refused}`,
          );
        }
        // back to healthy before the next fault: the rollout unblocks and judges again
        proxy.mode = "pass";
        await until(`recovery after ${mode}`, 90_000, async () => {
          const [r] = await sql<{ blockedKind: string | null }>(
            db.url,
            `SELECT "blockedKind" FROM "Rollout" WHERE id = $1`,
            [rollout.id],
          );
          return r && r.blockedKind === null && (await recorded()) > recordedAfter ? true : null;
        });
      }
      const slos = await sql<{ n: string }>(
        db.url,
        `SELECT count(*) AS n FROM "Slo" WHERE name LIKE 'src-%'`,
      );
      if (Number(slos[0]?.n ?? 0) !== 0) failures.push("a refused SLO save left a row");
      const [row] = await rolloutRows(db.url, [rollout.id]);
      if (row) {
        const aborted = await commandRollout(app.url, release, "abort", row.id, row.version);
        if (!aborted.result?.ok) failures.push(`the final abort was refused: ${aborted.body}`);
      }
      figures["proxy answers"] = Object.entries(proxy.answered)
        .map(([m, n]) => `${m} ${n}`)
        .join(", ");
      return { name: scenario.name, figures, failures };
    } finally {
      await proxy.stop();
      await prometheus.stop();
    }
  },
};

export default scenario;
