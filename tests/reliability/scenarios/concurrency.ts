// Two web and two worker processes drive 1,000 steps across 50 concurrent rollouts (100 across
// 10 in the short run) while engineers pause, resume and abort some of them through either web
// process. No step may be applied twice (the simulator's count of applied writes against the
// rollouts' steps) and no command may be lost: every pause a person made shows on the platform,
// every resume lets the rollout finish, every abort ends it aborted on the platform.
import type { Scenario } from "../scenario";
import { sleep, sql, startDatabase } from "../support/app";
import { Replicas, signInAny } from "../support/processes";
import {
  addServingObjects,
  commandRollout,
  judgeRollouts,
  percentile,
  platformObjects,
  rolloutRows,
  startRollout,
  waitSettled,
  type Command,
  type ServingObject,
  type StartedRollout,
} from "../support/rollouts";

type Plan = "run" | "pause-resume" | "abort";

const scenario: Scenario = {
  name: "concurrency",
  order: 20,
  async run({ short, log, port }) {
    const count = short ? 10 : 50;
    const stepsEach = short ? 10 : 20;
    const failures: string[] = [];
    const database = await startDatabase();
    const objects = await addServingObjects(database.url, count, "conc");
    const replicas = new Replicas(database.url);
    await replicas.start({ web: 2, worker: 2 }, port);
    const release = await signInAny(replicas, "release@flightdeck.demo");
    const engineer = await signInAny(replicas, "engineer@flightdeck.demo");
    const increment = 100 / stepsEach;
    const steps = Array.from(
      { length: stepsEach },
      (_, i) => `weight ${Math.round((i + 1) * increment)}`,
    ).join("\n");
    log(`${count} rollouts of ${stepsEach} steps on 2 web and 2 worker processes`);

    const t0 = Date.now();
    const plans: Plan[] = objects.map((_, i) =>
      i % 5 === 1 ? "pause-resume" : i % 10 === 3 ? "abort" : "run",
    );
    const webs = replicas.webs();
    let busy = 0;
    const onBusy = () => (busy += 1);
    // Release managers starting them: ten at a time, over both web processes.
    const started: (StartedRollout & { plan: Plan })[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = next++; i < objects.length; i = next++) {
          const object = objects[i] as ServingObject;
          const web = webs[i % webs.length];
          if (!web) throw new Error("no web process");
          const rollout = await startRollout(web.url, release, object, steps, { onBusy });
          started.push({ ...rollout, plan: plans[i] ?? "run" });
        }
      }),
    );
    log(`started ${started.length} rollouts in ${Date.now() - t0} ms`);

    const serverErrors: string[] = [];
    let accepted = 0;
    let retriedAsChanged = 0;
    const applyMs: number[] = [];
    const lost: string[] = [];

    /**
     * Sends a person's command until it is accepted (a conflict with the engine's own progress
     * is retried on the fresh version, as a person would); null when it no longer applies.
     */
    async function command(r: StartedRollout, what: Command, i: number): Promise<boolean> {
      for (let attempt = 0; attempt < 20; attempt++) {
        const [row] = await rolloutRows(database.url, [r.id]);
        if (!row || ["completed", "aborted"].includes(row.status)) return false;
        const web = webs[(i + attempt) % webs.length];
        if (!web) return false;
        const answer = await commandRollout(web.url, engineer, what, r.id, row.version);
        if (answer.status >= 500) serverErrors.push(`${what}: ${answer.status}`);
        if (answer.result?.ok) {
          accepted += 1;
          return true;
        }
        const message = answer.result?.error.message ?? answer.body.slice(0, 200);
        if (answer.result?.error.code === "UNAVAILABLE") {
          busy += 1;
          await sleep(1_000);
          continue;
        }
        if (/changed since you loaded it/.test(message)) {
          retriedAsChanged += 1;
          continue;
        }
        // Finished or aborted meanwhile: the command no longer applies.
        if (/completed|aborted|cannot be paused|Only a paused/.test(message)) return false;
        failures.push(`${what} of ${r.object.model} refused: ${message}`);
        return false;
      }
      failures.push(`${what} of ${r.object.model}: still conflicting after 20 tries`);
      return false;
    }

    /** Waits until the platform object shows `check`; the time it took, or null. */
    async function platformShows(
      r: StartedRollout,
      check: (o: { paused: boolean; aborted: boolean; canaryVersion: string | null }) => boolean,
      timeoutMs = 30_000,
    ): Promise<number | null> {
      const since = Date.now();
      while (Date.now() - since < timeoutMs) {
        const o = (await platformObjects(database.url)).find(
          (x) => x.model === r.object.model && x.region === r.object.region,
        );
        if (o && check(o)) return Date.now() - since;
        await sleep(100);
      }
      return null;
    }

    await Promise.all(
      started.map(async (r, i) => {
        if (r.plan === "run") return;
        await sleep(200 + Math.random() * (short ? 1_500 : 5_000));
        if (r.plan === "abort") {
          if (!(await command(r, "abort", i))) return;
          const ms = await platformShows(r, (o) => o.aborted || o.canaryVersion !== r.object.to);
          if (ms === null) lost.push(`abort of ${r.object.model}`);
          else applyMs.push(ms);
          return;
        }
        if (!(await command(r, "pause", i))) return;
        const ms = await platformShows(r, (o) => o.paused || o.canaryVersion !== r.object.to);
        if (ms === null) lost.push(`pause of ${r.object.model}`);
        else applyMs.push(ms);
        await sleep(500);
        if (!(await command(r, "resume", i))) {
          lost.push(`resume of ${r.object.model} could not be sent`);
        }
      }),
    );

    const settled = await waitSettled(
      database.url,
      started.map((r) => r.id),
      { timeoutMs: short ? 90_000 : 300_000, log },
    );
    const tookMs = Date.now() - t0;
    if (settled.unsettled.length > 0) {
      failures.push(
        `${settled.unsettled.length} rollout(s) did not settle: ${settled.unsettled.slice(0, 5).join("; ")}`,
      );
    }
    const verdict = await judgeRollouts(database.url, started);
    failures.push(...verdict.failures);
    const rows = new Map(
      (
        await rolloutRows(
          database.url,
          started.map((r) => r.id),
        )
      ).map((r) => [r.id, r]),
    );
    for (const r of started) {
      const status = rows.get(r.id)?.status;
      // A resumed rollout runs to its end; an aborted one ends aborted.
      if (r.plan === "pause-resume" && status !== "completed") {
        lost.push(`${r.object.model} was resumed but is ${status}`);
      }
      if (r.plan === "run" && status !== "completed") {
        failures.push(`${r.object.model} ended ${status}`);
      }
    }
    failures.push(
      ...lost.map((l) => `lost command: ${l}`),
      ...serverErrors.map((e) => `5xx: ${e}`),
    );
    const stepsApplied = await stepsDone(database.url, started);
    return {
      name: "concurrency",
      figures: {
        processes: "2 web + 2 worker",
        rollouts: started.length,
        "steps applied": stepsApplied,
        completed: verdict.figures.completed,
        aborted: verdict.figures.aborted,
        "platform writes": verdict.figures.writes,
        "double-applied": verdict.figures.doubleApplied,
        "commands accepted": accepted,
        "retried as changed": retriedAsChanged,
        "answered busy, retried": busy,
        "lost commands": lost.length,
        "command to platform p50 ms": Math.round(percentile(applyMs, 50)),
        "command to platform p95 ms": Math.round(percentile(applyMs, 95)),
        "run s": Math.round(tookMs / 1000),
      },
      failures,
    };
  },
};

async function stepsDone(databaseUrl: string, rollouts: StartedRollout[]): Promise<number> {
  const [row] = await sql<{ n: string }>(
    databaseUrl,
    `SELECT count(*) AS n FROM "RolloutStep" WHERE "rolloutId" = ANY($1) AND status = 'succeeded'`,
    [rollouts.map((r) => r.id)],
  );
  return Number(row?.n ?? 0);
}

export default scenario;
