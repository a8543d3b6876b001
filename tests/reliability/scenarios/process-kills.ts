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
import { sleep, startDatabase } from "../support/app";
import { random, releaseLeasesOf, runFates } from "../support/fates";
import { Replicas, signInAny } from "../support/processes";
import { addServingObjects, judgeRollouts } from "../support/rollouts";

const scenario: Scenario = {
  name: "process-kills",
  order: 10,
  async run({ short, log, port }) {
    const kills = short ? 10 : 50;
    const count = short ? 12 : 50;
    const database = await startDatabase();
    const objects = await addServingObjects(database.url, count, "kill");
    const replicas = new Replicas(database.url);
    await replicas.start({ web: 2, worker: 2 }, port);
    log(`2 web and 2 worker processes up; ${count} rollouts, ${kills} kills`);
    const release = await signInAny(replicas, "release@flightdeck.demo");
    const engineer = await signInAny(replicas, "engineer@flightdeck.demo");

    // Kills: one every 0.5–2.5 s (full) or 0.5–1.2 s (short), of a web or a worker process at random.
    const killed = { web: 0, worker: 0 };
    const killing = (async () => {
      for (let k = 0; k < kills; k++) {
        await sleep(short ? random(500, 1_200) : random(500, 2_500));
        const candidates = replicas.killable();
        const replica = candidates[Math.floor(Math.random() * candidates.length)];
        if (!replica) {
          k -= 1;
          continue;
        }
        killed[replica.role === "web" ? "web" : "worker"] += 1;
        const pid = await replicas.killAndRestart(replica);
        if ((k + 1) % 10 === 0) log(`${k + 1} kills`);
        if (short) await releaseLeasesOf(database.url, pid);
      }
      await replicas.settled();
    })();

    // Starts spread over the time the kills take, and the people's commands.
    const run = await runFates({
      databaseUrl: database.url,
      replicas,
      objects,
      people: { release, engineer },
      spreadMs: short ? 10_000 : 60_000,
      settleTimeoutMs: short ? 60_000 : 180_000,
      hurting: killing,
      log,
    });
    const verdict = await judgeRollouts(database.url, run.started);
    return {
      name: "process-kills",
      figures: {
        kills,
        "web kills": killed.web,
        "worker kills": killed.worker,
        rollouts: run.started.length,
        completed: verdict.figures.completed,
        aborted: verdict.figures.aborted,
        waiting: verdict.figures.waiting,
        "platform writes": verdict.figures.writes,
        "double-applied": verdict.figures.doubleApplied,
        "commands sent": run.commands,
        "commands applied": run.applied,
        "refused as changed": run.refusedAsChanged,
        "requests cut by a kill": run.cut,
        "settled after last kill s": Math.round(run.settledMs / 1000),
      },
      failures: [...run.failures, ...verdict.failures],
    };
  },
};

export default scenario;
