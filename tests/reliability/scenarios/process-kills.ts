// kill -9 of a web or worker process at random moments while many rollouts run on two web and
// two worker replicas. Afterwards every rollout must rest where it may (finished, or waiting for
// a person), the simulator's count of applied writes must show no step applied twice, and every
// person's change must have its audit row.
//
// A killed process's claims on rollouts stay until their lease runs out (60 s): the full run
// waits for that, as production would. The short run (`npm test`) marks a killed process's
// leases as run out at once — nothing else can hold them, the process is gone — so that its
// recovery takes seconds instead of a minute of waiting.
import type { Scenario } from "../scenario";
import { sleep, sql, startDatabase } from "../support/app";
import { Replicas, signInAny } from "../support/processes";
import {
  addServingObjects,
  commandRollout,
  judgeRollouts,
  rolloutRows,
  startRollout,
  waitSettled,
  type Command,
  type StartedRollout,
} from "../support/rollouts";

/** Plans, by what the scenario does to the rollout: let it finish, let it wait, abort it. */
const PLANS = {
  finish: "weight 10\nweight 25\npause 3s\nweight 50\nweight 75\nweight 100",
  wait: "weight 20\npause\nweight 100",
  abort: "weight 10\npause 5s\nweight 40\npause 5s\nweight 100",
} as const;
type Fate = keyof typeof PLANS | "promote";

const random = (min: number, max: number) => min + Math.random() * (max - min);

const scenario: Scenario = {
  name: "process-kills",
  order: 10,
  async run({ short, log, port }) {
    const kills = short ? 10 : 50;
    const count = short ? 12 : 50;
    const failures: string[] = [];
    const database = await startDatabase();
    const objects = await addServingObjects(database.url, count, "kill");
    const replicas = new Replicas(database.url);
    await replicas.start({ web: 2, worker: 2 }, port);
    log(`2 web and 2 worker processes up; ${count} rollouts, ${kills} kills`);
    const release = await signInAny(replicas, "release@flightdeck.demo");
    const engineer = await signInAny(replicas, "engineer@flightdeck.demo");

    let cut = 0;
    const serverErrors: string[] = [];
    /** Sends a request to a web replica that is up, again on another when a kill cuts it. */
    async function send<T>(
      what: string,
      request: (url: string) => Promise<T & { status: number; body?: string }>,
    ): Promise<T> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const answer = await request(replicas.web().url);
          if (answer.status >= 500) {
            serverErrors.push(`${what}: ${answer.status} ${answer.body?.slice(0, 200) ?? ""}`);
          }
          return answer;
        } catch (error) {
          cut += 1;
          if (Date.now() > deadline) throw error;
          await sleep(300);
        }
      }
    }

    const fates: Fate[] = objects.map((_, i) =>
      i % 5 === 3 ? "wait" : i % 5 === 4 ? (i % 2 ? "abort" : "promote") : "finish",
    );
    const started: (StartedRollout & { fate: Fate; due: number })[] = [];
    let commands = 0;
    let applied = 0;
    let refusedAsChanged = 0;

    // Kills: one every 0.5–2.5 s (full) or 0.5–1.2 s (short), of a web or a worker process at random.
    const killing = (async () => {
      let web = 0;
      let worker = 0;
      for (let k = 0; k < kills; k++) {
        await sleep(short ? random(500, 1_200) : random(500, 2_500));
        const candidates = replicas.killable();
        const replica = candidates[Math.floor(Math.random() * candidates.length)];
        if (!replica) {
          k -= 1;
          continue;
        }
        if (replica.role === "web") web += 1;
        else worker += 1;
        const pid = await replicas.killAndRestart(replica);
        if ((k + 1) % 10 === 0) log(`${k + 1} kills, ${started.length} rollouts started`);
        if (short) {
          await sql(
            database.url,
            `UPDATE "Rollout" SET "leaseUntil" = now() WHERE "leaseOwner" LIKE $1`,
            [`%/${pid}/%`],
          );
        }
      }
      await replicas.settled();
      return { web, worker };
    })();

    // Starts, spread over the time the kills take, and the people's commands.
    const spread = short ? 10_000 : 60_000;
    const starting = (async () => {
      for (const [i, object] of objects.entries()) {
        const fate = fates[i] ?? "finish";
        const plan = PLANS[fate === "promote" ? "wait" : fate];
        const rollout = await send("start", async (url) => {
          const r = await startRollout(url, release, object, plan);
          return { ...r, status: 200 };
        });
        started.push({ ...rollout, fate, due: Date.now() + random(2_000, 8_000) });
        await sleep(spread / objects.length);
      }
    })();

    let stopCommands = false;
    const commanding = (async () => {
      const done = new Set<string>();
      while (!stopCommands) {
        await sleep(700);
        const open = started.filter(
          (s) => !done.has(s.id) && (s.fate === "abort" || s.fate === "promote"),
        );
        if (open.length === 0) continue;
        const rows = new Map(
          (
            await rolloutRows(
              database.url,
              open.map((s) => s.id),
            )
          ).map((r) => [r.id, r]),
        );
        for (const s of open) {
          const row = rows.get(s.id);
          if (!row || Date.now() < s.due) continue;
          if (["completed", "aborted"].includes(row.status)) {
            done.add(s.id);
            continue;
          }
          let command: Command | null = null;
          if (s.fate === "abort" && row.status !== "pending") command = "abort";
          if (s.fate === "promote" && row.status === "paused" && !row.pausedUntil) {
            command = "promote";
          }
          if (!command) continue;
          const cookie = command === "abort" ? engineer : release;
          const answer = await send(command, (url) =>
            commandRollout(url, cookie, command, s.id, row.version),
          );
          commands += 1;
          if (answer.result?.ok) {
            applied += 1;
            done.add(s.id);
          } else if (/changed since you loaded it/.test(answer.result?.error.message ?? "")) {
            refusedAsChanged += 1;
          } else {
            failures.push(
              `${command} of ${s.object.model} answered ${answer.status}: ${answer.body.slice(0, 200)}`,
            );
            done.add(s.id);
          }
        }
      }
    })();

    const killed = await killing;
    await starting;
    log(`${kills} kills done (${killed.web} web, ${killed.worker} worker); waiting for rollouts`);
    const ids = () => started.map((s) => s.id);
    // The commands go on until the rollouts they wait for are where they can be given.
    const settled = await waitSettled(database.url, ids(), {
      timeoutMs: short ? 60_000 : 180_000,
      log,
      onPoll: async () => {
        const rows = await rolloutRows(database.url, ids());
        const waiting = started.filter((s) => {
          const row = rows.find((r) => r.id === s.id);
          return (
            (s.fate === "promote" && row?.status !== "completed") ||
            (s.fate === "abort" && row?.status !== "aborted" && row?.status !== "completed")
          );
        });
        if (waiting.length === 0) stopCommands = true;
      },
    });
    stopCommands = true;
    await commanding;
    if (settled.unsettled.length > 0) {
      failures.push(
        `${settled.unsettled.length} rollout(s) did not settle: ${settled.unsettled.slice(0, 5).join("; ")}`,
      );
    }
    const verdict = await judgeRollouts(database.url, started);
    failures.push(...verdict.failures, ...serverErrors.map((e) => `5xx: ${e}`));
    for (const s of started) {
      const row = (await rolloutRows(database.url, [s.id]))[0];
      if (s.fate === "promote" && row?.status !== "completed") {
        failures.push(`${s.object.model}: promoted, but ${row?.status}`);
      }
      if (s.fate === "abort" && row?.status !== "aborted" && row?.status !== "completed") {
        failures.push(`${s.object.model}: aborted, but ${row?.status}`);
      }
    }
    return {
      name: "process-kills",
      figures: {
        kills,
        "web kills": killed.web,
        "worker kills": killed.worker,
        rollouts: started.length,
        completed: verdict.figures.completed,
        aborted: verdict.figures.aborted,
        waiting: verdict.figures.waiting,
        "platform writes": verdict.figures.writes,
        "double-applied": verdict.figures.doubleApplied,
        "commands sent": commands,
        "commands applied": applied,
        "refused as changed": refusedAsChanged,
        "requests cut by a kill": cut,
        "settled after last kill s": Math.round(settled.ms / 1000),
      },
      failures,
    };
  },
};

export default scenario;
