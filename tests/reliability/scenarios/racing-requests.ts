// 100 racing promote / abort / approve requests from different signed-in people on the same
// objects, all decided on the same version of what they saw: each object changes exactly once,
// and every other request is refused with the "changed while you were looking" answer (a
// conflict naming what changed), never an internal error.
//
// - rollouts waiting at a pause step: release managers all press "promote";
// - rollouts waiting at a pause step: engineers press "abort" while release managers press
//   "promote";
// - promotion requests to a staging environment (one approval needed) and to a production one
//   (two needed): release managers all press "approve"; as many as are needed apply.
import type { Scenario } from "../scenario";
import { callAction, sleep, sql, startDatabase, type ActionAnswer } from "../support/app";
import { Replicas, signInAny } from "../support/processes";
import {
  addPeople,
  addServingObjects,
  commandRollout,
  judgeRollouts,
  percentile,
  rolloutRows,
  startRollout,
  waitSettled,
  type Command,
  type StartedRollout,
} from "../support/rollouts";

/** The words a conflict uses: "…changed since you loaded it" / "…while you were looking at it". */
const CHANGED = /changed since you loaded it|while you were looking at it/;

interface Race {
  what: string;
  answers: ActionAnswer[];
  ms: number[];
}

const scenario: Scenario = {
  name: "racing-requests",
  order: 30,
  async run({ short, log, port }) {
    const racers = short ? 5 : 10;
    const promoteRaces = short ? 1 : 3;
    const mixedRaces = short ? 1 : 2;
    const approveRaces = short ? 1 : 3;
    /** Production needs two approvals: two of the racers apply, the rest are refused. */
    const productionRaces = short ? 0 : 2;
    const failures: string[] = [];
    const database = await startDatabase();
    const objects = [
      ...(await addServingObjects(database.url, promoteRaces + mixedRaces + approveRaces, "race")),
      ...(await addServingObjects(database.url, productionRaces, "race-prod", "production")),
    ];
    const managers = [
      "release2@flightdeck.demo",
      "admin@flightdeck.demo",
      ...(await addPeople(database.url, racers - 2, "release_manager")),
    ];
    const engineers = [
      "engineer@flightdeck.demo",
      ...(await addPeople(database.url, racers - 1, "engineer", "engineer@flightdeck.demo")),
    ];
    const replicas = new Replicas(database.url);
    await replicas.start({ web: 2, worker: 1 }, port);
    const release = await signInAny(replicas, "release@flightdeck.demo");
    const cookies = new Map<string, string>();
    for (const email of [...managers, ...engineers]) {
      cookies.set(email, await signInAny(replicas, email));
    }
    const cookie = (email: string) => cookies.get(email) ?? "";
    log(`${cookies.size} people signed in`);

    // Rollouts that wait at a pause step for someone to promote them.
    const rolloutObjects = objects.slice(0, promoteRaces + mixedRaces);
    const rollouts: StartedRollout[] = [];
    for (const object of rolloutObjects) {
      rollouts.push(
        await startRollout(replicas.web().url, release, object, "weight 20\npause\nweight 100"),
      );
    }
    const waiting = await waitSettled(
      database.url,
      rollouts.map((r) => r.id),
      { timeoutMs: 60_000, log },
    );
    if (waiting.unsettled.length > 0) {
      failures.push(`rollouts did not reach their pause step: ${waiting.unsettled.join("; ")}`);
    }

    // Promotion requests, one per remaining object, by release@ (who may not approve them).
    const requests: {
      id: string;
      version: number;
      number: number;
      model: string;
      requiredApprovals: number;
    }[] = [];
    for (const object of objects.slice(promoteRaces + mixedRaces)) {
      const answer = await callAction<{ id: string; number: number; version: number }>(
        replicas.web().url,
        release,
        "createPromotionAction",
        {
          model: object.model,
          version: object.to,
          tier: object.environment.split("/")[0],
          regions: [object.region],
          justification: "Racing approvals in the reliability suite",
        },
        { page: "/promotions" },
      );
      const [row] = await sql<{
        id: string;
        version: number;
        number: number;
        requiredApprovals: number;
      }>(
        database.url,
        `SELECT p.id, p.version, p.number, p."requiredApprovals" FROM "PromotionRequest" p
           JOIN "Model" m ON m.id = p."modelId" WHERE m.name = $1`,
        [object.model],
      );
      if (!answer.result?.ok || !row) {
        throw new Error(`requesting a promotion failed: ${answer.body.slice(0, 300)}`);
      }
      requests.push({ ...row, model: object.model });
    }

    const versions = new Map(
      (
        await rolloutRows(
          database.url,
          rollouts.map((r) => r.id),
        )
      ).map((r) => [r.id, r.version]),
    );
    /** Fires every request of a race at once, spread over the web replicas. */
    async function race(what: string, requests: (() => Promise<ActionAnswer>)[]): Promise<Race> {
      const ms: number[] = [];
      const answers = await Promise.all(
        requests.map(async (send) => {
          const t0 = performance.now();
          const answer = await send();
          ms.push(performance.now() - t0);
          return answer;
        }),
      );
      return { what, answers, ms };
    }
    const webs = replicas.webs();
    const at = (i: number) => webs[i % webs.length]?.url ?? "";
    const races: Race[] = [];
    /** Each race, how many of its requests may apply, and what the database must show. */
    const expectations: { race: Race; applies: number; check: () => Promise<string[]> }[] = [];

    for (const [n, r] of rollouts.entries()) {
      const version = versions.get(r.id) ?? 0;
      const mixed = n >= promoteRaces;
      const senders = Array.from({ length: racers }, (_, i) => {
        const command: Command = mixed && i % 2 === 1 ? "abort" : "promote";
        const email = command === "abort" ? (engineers[i] ?? "") : (managers[i] ?? "");
        return () => commandRollout(at(i), cookie(email), command, r.id, version);
      });
      const result = await race(
        `${mixed ? "promote/abort" : "promote"} ${r.object.model}`,
        senders,
      );
      races.push(result);
      expectations.push({
        race: result,
        applies: 1,
        check: async () => {
          const events = await sql<{ kind: string }>(
            database.url,
            `SELECT kind FROM "RolloutEvent" WHERE "rolloutId" = $1 AND kind IN ('promote', 'abort')
               AND actor <> 'flightdeck'`,
            [r.id],
          );
          return events.length === 1
            ? []
            : [
                `${result.what}: ${events.length} commands applied (${events.map((e) => e.kind).join(", ")})`,
              ];
        },
      });
    }

    for (const [i, request] of requests.entries()) {
      const senders = managers.map(
        (email, j) => () =>
          callAction(
            at(i + j),
            cookie(email),
            "decidePromotionAction",
            { requestId: request.id, version: request.version, decision: "approve" },
            { page: `/promotions/${request.number}` },
          ),
      );
      const result = await race(`approve #${request.number}`, senders);
      races.push(result);
      expectations.push({
        race: result,
        applies: request.requiredApprovals,
        check: async () => {
          const [row] = await sql<{ approvals: string; releases: string; status: string }>(
            database.url,
            `SELECT p.status::text AS status,
                    (SELECT count(*) FROM "PromotionApproval" a WHERE a."requestId" = p.id) AS approvals,
                    (SELECT count(DISTINCT "releaseId") FROM "Rollout" r
                      WHERE r."modelId" = p."modelId" AND r."releaseId" IS NOT NULL) AS releases
               FROM "PromotionRequest" p WHERE p.id = $1`,
            [request.id],
          );
          const audits = await sql<{ n: string }>(
            database.url,
            `SELECT count(*) AS n FROM "AuditEvent" WHERE action = 'promotion.approve'
               AND "targetId" = $1 AND outcome = 'allowed'`,
            [request.id],
          );
          const problems: string[] = [];
          const wanted = request.requiredApprovals;
          if (Number(row?.approvals) !== wanted) {
            problems.push(`${row?.approvals} approvals recorded, ${wanted} needed`);
          }
          if (Number(audits[0]?.n) !== wanted) {
            problems.push(`${audits[0]?.n} approval audit rows for ${wanted} approvals`);
          }
          if (row?.status === "started" && Number(row.releases) !== 1) {
            problems.push(`${row.releases} releases started`);
          }
          return problems.map((p) => `${result.what}: ${p}`);
        },
      });
    }

    // Each race: exactly one request applied, the others refused as a conflict naming the change.
    let applied = 0;
    let refused = 0;
    for (const { race: r, check, applies } of expectations) {
      const ok = r.answers.filter(
        (a) =>
          a.result?.ok === true && !(a.result.data as { alreadyApplied?: boolean }).alreadyApplied,
      );
      applied += ok.length;
      if (ok.length !== applies) {
        failures.push(`${r.what}: ${ok.length} requests applied, not ${applies}`);
      }
      for (const a of r.answers) {
        if (a.result?.ok) continue;
        if (a.status >= 500) failures.push(`${r.what}: HTTP ${a.status}`);
        else if (!a.result)
          failures.push(`${r.what}: no result (${a.status}) ${a.body.slice(0, 200)}`);
        else if (a.result.error.code !== "CONFLICT" || !CHANGED.test(a.result.error.message)) {
          failures.push(
            `${r.what}: refused with ${a.result.error.code}: ${a.result.error.message}`,
          );
        } else refused += 1;
      }
      failures.push(...(await check()));
    }
    const settled = await waitSettled(
      database.url,
      rollouts.map((r) => r.id),
      { timeoutMs: 60_000, log },
    );
    if (settled.unsettled.length > 0) {
      failures.push(`rollouts did not settle after the races: ${settled.unsettled.join("; ")}`);
    }
    const verdict = await judgeRollouts(database.url, rollouts);
    failures.push(...verdict.failures);
    await sleep(0);
    const ms = races.flatMap((r) => r.ms);
    return {
      name: "racing-requests",
      figures: {
        requests: ms.length,
        objects: races.length,
        applied,
        "refused as changed": refused,
        "double-applied": verdict.figures.doubleApplied,
        "p50 ms": Math.round(percentile(ms, 50)),
        "p95 ms": Math.round(percentile(ms, 95)),
        "max ms": Math.round(percentile(ms, 100)),
      },
      failures,
    };
  },
};

export default scenario;
