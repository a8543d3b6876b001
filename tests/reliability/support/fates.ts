// Rollouts with a fate, run while something hurts the app: each object gets a rollout that is
// left to finish, left waiting at a pause, aborted or promoted by a person, all sent over HTTP to
// whichever web replica is up (again on another when a kill cuts a request). Afterwards every
// rollout must rest where its fate says. The process-kills and kubernetes scenarios share it;
// what hurts the app (kills, a failing cluster API) is theirs.
import { sleep, sql } from "./app";
import type { Replicas } from "./processes";
import {
  commandRollout,
  rolloutRows,
  startRollout,
  waitSettled,
  type Command,
  type ServingObject,
  type StartedRollout,
} from "./rollouts";

/** Plans, by what the scenario does to the rollout: let it finish, let it wait, abort it. */
export const PLANS = {
  finish: "weight 10\nweight 25\npause 3s\nweight 50\nweight 75\nweight 100",
  wait: "weight 20\npause\nweight 100",
  abort: "weight 10\npause 5s\nweight 40\npause 5s\nweight 100",
} as const;
export type Fate = keyof typeof PLANS | "promote";

/** A number between `min` and `max`, at random. */
export const random = (min: number, max: number) => min + Math.random() * (max - min);

export interface FatesRun {
  started: (StartedRollout & { fate: Fate })[];
  commands: number;
  applied: number;
  refusedAsChanged: number;
  /** requests a kill cut, sent again */
  cut: number;
  settledMs: number;
  failures: string[];
}

/**
 * Starts a rollout per object, spread over `spreadMs`, gives the people's commands their fates
 * ask for, waits for `hurting` (the scenario's faults) to end and for every rollout to settle,
 * and checks each rests where its fate says. `onStarted` learns of each rollout as it starts.
 */
export async function runFates(options: {
  databaseUrl: string;
  replicas: Replicas;
  objects: ServingObject[];
  people: { release: string; engineer: string };
  spreadMs: number;
  settleTimeoutMs: number;
  hurting: Promise<unknown>;
  log: (line: string) => void;
}): Promise<FatesRun> {
  const { databaseUrl, replicas, objects, people, log } = options;
  const failures: string[] = [];
  let cut = 0;
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
          failures.push(`5xx: ${what}: ${answer.status} ${answer.body?.slice(0, 200) ?? ""}`);
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

  const starting = (async () => {
    for (const [i, object] of objects.entries()) {
      const fate = fates[i] ?? "finish";
      const plan = PLANS[fate === "promote" ? "wait" : fate];
      const rollout = await send("start", async (url) => {
        const r = await startRollout(url, people.release, object, plan);
        return { ...r, status: 200 };
      });
      started.push({ ...rollout, fate, due: Date.now() + random(2_000, 8_000) });
      await sleep(options.spreadMs / objects.length);
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
            databaseUrl,
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
        const cookie = command === "abort" ? people.engineer : people.release;
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

  await options.hurting;
  await starting;
  log(`faults done; waiting for ${started.length} rollouts to settle`);
  const ids = () => started.map((s) => s.id);
  const fateMissed = (s: { fate: Fate }, status: string | undefined) =>
    (s.fate === "promote" && status !== "completed") ||
    (s.fate === "abort" && status !== "aborted" && status !== "completed");
  // The commands go on until the rollouts they wait for are where they can be given.
  const settled = await waitSettled(databaseUrl, ids(), {
    timeoutMs: options.settleTimeoutMs,
    log,
    onPoll: async () => {
      const rows = await rolloutRows(databaseUrl, ids());
      const status = new Map(rows.map((r) => [r.id, r.status]));
      if (!started.some((s) => fateMissed(s, status.get(s.id)))) stopCommands = true;
    },
  });
  stopCommands = true;
  await commanding;
  // A command sent just before the rollouts rested may land after: let what it moved rest too,
  // so the judge reads the rollouts with every command applied.
  const resettled = await waitSettled(databaseUrl, ids(), {
    timeoutMs: options.settleTimeoutMs,
    log,
  });
  settled.unsettled = resettled.unsettled;
  settled.ms += resettled.ms;
  if (settled.unsettled.length > 0) {
    failures.push(
      `${settled.unsettled.length} rollout(s) did not settle: ${settled.unsettled.slice(0, 5).join("; ")}`,
    );
  }
  const rows = await rolloutRows(databaseUrl, ids());
  const status = new Map(rows.map((r) => [r.id, r.status]));
  for (const s of started) {
    if (fateMissed(s, status.get(s.id))) {
      failures.push(
        `${s.object.model}: ${s.fate === "promote" ? "promoted" : "aborted"}, but ${status.get(s.id)}`,
      );
    }
  }
  return {
    started,
    commands,
    applied,
    refusedAsChanged,
    cut,
    settledMs: settled.ms,
    failures,
  };
}

/**
 * Marks the claims a killed process held as run out (its pid is in the lease owner), for the
 * short runs: nothing else can hold them, the process is gone, and waiting out the 60-second
 * lease would make `npm test` wait on the wall clock.
 */
export async function releaseLeasesOf(databaseUrl: string, pid: number): Promise<void> {
  await sql(databaseUrl, `UPDATE "Rollout" SET "leaseUntil" = now() WHERE "leaseOwner" LIKE $1`, [
    `%/${pid}/%`,
  ]);
}
