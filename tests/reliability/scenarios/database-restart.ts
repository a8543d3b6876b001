// PostgreSQL restarted under an app that is serving: clients request pages (signed in) and
// /api/v1 (an API token) the whole time while the server stops (connections dropped) and starts
// again. The app must recover by itself, the same process, and no request may fail for longer
// than the outage: failures are allowed only while PostgreSQL is down, plus a short margin for
// the first new connections. Reported: the outage window, the window of failed answers, what
// the failures were (503 "busy, try again" or 500), and when readiness was back.
import type { Scenario } from "../scenario";
import {
  callAction,
  createApiToken,
  signIn,
  sleep,
  sql,
  startApp,
  startDatabase,
  type TestDatabase,
} from "../support/app";
import {
  addServingObjects,
  rolloutRows,
  startRollout,
  waitSettled,
  type StartedRollout,
} from "../support/rollouts";
import { pageProblem } from "../load/load";

/** After PostgreSQL accepts connections again, requests may still fail for this long. */
const RECOVERY_MARGIN_MS = 2_000;

interface Answer {
  what: string;
  sentAt: number;
  endedAt: number;
  /** null for a good answer */
  problem: string | null;
}

/** Resolves once PostgreSQL refuses connections (the restart has stopped it). */
async function down(database: TestDatabase): Promise<void> {
  for (;;) {
    const refused = await sql(database.url, "SELECT 1").then(
      () => false,
      () => true,
    );
    if (refused) return;
    await sleep(20);
  }
}

interface Outage {
  downAt: number;
  upAt: number;
}

const scenario: Scenario = {
  name: "database-restart",
  order: 45,
  async run({ short, log, port }) {
    const failures: string[] = [];
    const figures: Record<string, string | number> = {};
    const restarts = short ? 1 : 3;
    const downMs = short ? 1_000 : 5_000;
    const database = await startDatabase();
    const objects = await addServingObjects(database.url, 2, "restart");
    const app = await startApp("all", { databaseUrl: database.url, port: port() });
    const cookie = await signIn(app.url, "viewer@flightdeck.demo");
    const release = await signIn(app.url, "release@flightdeck.demo");
    const [paused, fresh] = objects;
    if (!paused || !fresh) throw new Error("no serving objects");
    // A rollout waiting at a pause: the target of an action sent while PostgreSQL is down.
    const waiting = await startRollout(app.url, release, paused, "weight 20\npause\nweight 100");
    await waitSettled(database.url, [waiting.id], { timeoutMs: 30_000 });
    const [waitingRow] = await rolloutRows(database.url, [waiting.id]);
    const token = await createApiToken(database.url, {
      email: "admin@flightdeck.demo",
      scopes: ["fleet.read"],
      team: "ranking",
    });
    const targets: { what: string; path: string; headers: Record<string, string> }[] = [
      { what: "overview", path: "/", headers: { cookie, accept: "text/html" } },
      { what: "rollouts", path: "/rollouts", headers: { cookie, accept: "text/html" } },
      { what: "api slos", path: "/api/v1/slos", headers: { authorization: `Bearer ${token}` } },
    ];

    const answers: Answer[] = [];
    let running = true;
    const client = async (index: number) => {
      for (let i = index; running; i++) {
        const target = targets[i % targets.length];
        if (!target) break;
        const sentAt = performance.now();
        let problem: string | null;
        try {
          const res = await fetch(`${app.url}${target.path}`, {
            headers: target.headers,
            redirect: "manual",
            signal: AbortSignal.timeout(30_000),
          });
          problem = pageProblem(res.status, await res.text());
        } catch (error) {
          problem = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "refused";
        }
        answers.push({ what: target.what, sentAt, endedAt: performance.now(), problem });
        // A person's pace, not a flood: a few requests a second per client.
        await sleep(100);
      }
    };
    const clients = Promise.all([0, 1, 2, 3].map(client));

    const outages: Outage[] = [];
    const readyAgainMs: number[] = [];
    const pid = app.pid;
    await sleep(short ? 2_000 : 5_000);
    const actionAnswers: string[] = [];
    for (let n = 0; n < restarts; n++) {
      const downAt = performance.now();
      const restarting = database.restart({ downMs });
      // A person presses a button while PostgreSQL is down: "busy, try again", not a crash.
      await down(database);
      const answer = await callAction(app.url, release, "pauseRolloutAction", {
        rolloutId: waiting.id,
        version: waitingRow?.version ?? 0,
      }).catch((error: unknown) => ({ status: 0, result: null, body: String(error) }));
      actionAnswers.push(
        answer.result?.ok === false
          ? answer.result.error.code
          : answer.result?.ok
            ? "ok"
            : `HTTP ${answer.status}`,
      );
      await restarting;
      const upAt = performance.now();
      outages.push({ downAt, upAt });
      log(`restart ${n + 1}: PostgreSQL down for ${Math.round(upAt - downAt)} ms`);
      // Readiness (database reachable, migrations current, loops ticking) comes back by itself.
      for (;;) {
        const res = await fetch(`${app.url}/api/health/ready`).catch(() => null);
        if (res?.status === 200) break;
        if (performance.now() - upAt > 60_000) {
          failures.push(`readiness not back 60 s after restart ${n + 1}`);
          break;
        }
        await sleep(100);
      }
      readyAgainMs.push(Math.round(performance.now() - upAt));
      await sleep(short ? 4_000 : 10_000);
    }
    running = false;
    await clients;

    // The worker's loops recovered too: a rollout started now is driven to its pause.
    let driven: StartedRollout | null = null;
    let drivenMs: number | null = null;
    try {
      driven = await startRollout(app.url, release, fresh, "weight 20\npause\nweight 100");
      const settled = await waitSettled(database.url, [driven.id], { timeoutMs: 30_000 });
      if (settled.unsettled.length === 0) drivenMs = settled.ms;
      else
        failures.push(`after the restarts a new rollout was not driven: ${settled.unsettled[0]}`);
    } catch (error) {
      failures.push(`after the restarts a rollout could not be started: ${String(error)}`);
    }

    // Judge each failed answer against the outages.
    const failed = answers.filter((a) => a.problem !== null);
    const during = (a: Answer) =>
      outages.some((o) => a.endedAt >= o.downAt && a.sentAt <= o.upAt + RECOVERY_MARGIN_MS);
    const outside = failed.filter((a) => !during(a));
    for (const a of outside.slice(0, 5)) {
      failures.push(
        `${a.what} failed (${a.problem}) ${Math.round(a.sentAt - (outages.at(-1)?.upAt ?? 0))} ms after PostgreSQL was back`,
      );
    }
    // The window of failures around each outage, against the outage itself.
    const windows = outages.map((o) => {
      const mine = failed.filter(
        (a) => a.endedAt >= o.downAt && a.sentAt <= o.upAt + RECOVERY_MARGIN_MS,
      );
      if (mine.length === 0) return 0;
      const first = Math.min(...mine.map((a) => a.endedAt));
      const last = Math.max(...mine.map((a) => a.endedAt));
      return Math.round(last - first);
    });
    const kinds: Record<string, number> = {};
    for (const a of failed) kinds[a.problem ?? ""] = (kinds[a.problem ?? ""] ?? 0) + 1;
    if (app.exited() || app.pid !== pid) failures.push("the app process did not survive");
    // After the last outage, everything answers again.
    const last = outages.at(-1);
    const after = answers.filter((a) => last && a.sentAt > last.upAt + RECOVERY_MARGIN_MS);
    if (after.length === 0) failures.push("no request was answered after the last restart");

    figures.restarts = restarts;
    figures.requests = answers.length;
    figures["outage ms"] = outages.map((o) => Math.round(o.upAt - o.downAt)).join(", ");
    figures["failed-answer window ms"] = windows.join(", ");
    figures["failed answers"] = failed.length;
    figures["failed as"] =
      Object.entries(kinds)
        .map(([k, v]) => `${k}×${v}`)
        .join(" ") || "none";
    figures["ready again ms"] = readyAgainMs.join(", ");
    figures["action while down"] = actionAnswers.join(", ");
    figures["new rollout driven ms"] = drivenMs ?? "never";
    for (const answer of actionAnswers) {
      if (answer !== "UNAVAILABLE") {
        failures.push(
          `an action sent while PostgreSQL was down answered ${answer}, not UNAVAILABLE`,
        );
      }
    }
    figures["answers after recovery ok"] =
      `${after.filter((a) => !a.problem).length}/${after.length}`;
    log(
      `outages ${figures["outage ms"]} ms; failures ${figures["failed-answer window ms"]} ms ` +
        `(${figures["failed as"]}); ready again after ${figures["ready again ms"]} ms`,
    );
    if (failed.length > 0 && outside.length > 0) {
      log(app.output().slice(-3000));
    }
    return { name: "database-restart", figures, failures };
  },
};

export default scenario;
