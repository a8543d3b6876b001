// The same guarantees on real clusters' APIs: two web and two worker processes drive Argo
// Rollouts and KServe InferenceServices in two Kubernetes API test servers (their controllers
// acting as Argo Rollouts and KServe do) while the clusters' APIs fail, throttle, slow down, drop
// connections and go away, and processes are killed, some of them just after a cluster applied
// their write and before they heard the answer. Afterwards every rollout rests where its fate
// says, the objects in the clusters show what the rollouts say, no write was applied twice (the
// API servers' own log of the writes they accepted), and every person's change has its audit
// row.
import type { Scenario } from "../scenario";
import { sleep, sql, startDatabase } from "../support/app";
import { random, releaseLeasesOf, runFates } from "../support/fates";
import {
  isServingWrite,
  kubePlatformObjects,
  kubeServingObjects,
  pidOfConnection,
} from "../support/kube";
import { Replicas, signInAny } from "../support/processes";
import { judgeRollouts, percentile } from "../support/rollouts";
import { startTestClusters } from "../../support/kube";

const FAULTS = [
  "kill",
  "kill after write",
  "errors",
  "throttled",
  "connections reset",
  "slow",
  "down",
] as const;
type Fault = (typeof FAULTS)[number];

/** Every page must answer within this while a cluster's API is down or slow. */
const PAGE_BOUND_MS = 1_000;

const scenario: Scenario = {
  name: "kubernetes",
  order: 15,
  async run({ short, log, port }) {
    const count = short ? 10 : 20;
    const faults = short ? 10 : 28;
    const database = await startDatabase();
    const setup = await kubeServingObjects(database.url, count);
    const clusters = await startTestClusters(setup.clusters, { bookmarkIntervalMs: 1_000 });
    const replicas = new Replicas(database.url, {
      FLIGHTDECK_PLATFORM: "kubernetes",
      KUBECONFIG: clusters.kubeconfig,
    });
    try {
      await replicas.start({ web: 2, worker: 2 }, port);
      log(
        `2 web and 2 worker processes up on ${setup.clusters.length} clusters; ${count} rollouts, ${faults} faults`,
      );
      // The worker's fleet sync finds the workloads and records their deployments.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [row] = await sql<{ n: number }>(
          database.url,
          `SELECT count(DISTINCT m.id)::int AS n FROM "Deployment" d JOIN "Model" m ON m.id = d."modelId"
            WHERE m.name LIKE 'kube-model-%'`,
        );
        if ((row?.n ?? 0) >= count) break;
        if (Date.now() > deadline) {
          throw new Error(`the fleet sync found ${row?.n ?? 0} of ${count} workloads in 60 s`);
        }
        await sleep(500);
      }
      const release = await signInAny(replicas, "release@flightdeck.demo");
      const engineer = await signInAny(replicas, "engineer@flightdeck.demo");

      const done: Record<Fault, number> = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<
        Fault,
        number
      >;
      const servers = [...clusters.servers.values()];
      const kill = async (replica: (typeof replicas.replicas)[number]) => {
        const pid = await replicas.killAndRestart(replica);
        if (short) await releaseLeasesOf(database.url, pid);
      };

      const hurting = (async () => {
        for (let f = 0; f < faults; f++) {
          await sleep(short ? random(500, 1_200) : random(500, 2_000));
          const fault = FAULTS[f % FAULTS.length] ?? "kill";
          const server = servers[Math.floor(Math.random() * servers.length)];
          if (!server) continue;
          switch (fault) {
            case "kill": {
              const candidates = replicas.killable();
              const replica = candidates[Math.floor(Math.random() * candidates.length)];
              if (replica) await kill(replica);
              break;
            }
            case "kill after write": {
              // The cluster applies the next write and holds the answer; its sender dies waiting.
              const held = server.hold(isServingWrite, { phase: "after" });
              const record = await Promise.race([held.handled, sleep(8_000).then(() => null)]);
              if (!record) {
                held.drop();
                server.clearFaults();
                continue;
              }
              const pids = replicas.replicas.map((r) => r.app?.pid ?? 0).filter((p) => p > 0);
              const pid = record.remotePort ? pidOfConnection(record.remotePort, pids) : null;
              const replica = replicas.killable().find((r) => r.app?.pid === pid);
              if (replica) await kill(replica);
              held.release();
              // (a write sent by the last web replica up: that one is not killed, nor counted)
              if (!replica) continue;
              break;
            }
            case "errors":
              server.failRequests(3, {
                match: isServingWrite,
                code: Math.random() < 0.5 ? 500 : 503,
              });
              break;
            case "throttled":
              server.throttleRequests(3, 1);
              break;
            case "connections reset":
              server.resetConnections(2, isServingWrite);
              break;
            case "slow": {
              const undo = server.addLatency(1_500);
              await sleep(4_000);
              undo();
              break;
            }
            case "down":
              await server.down();
              await sleep(3_000);
              await server.up();
              break;
          }
          done[fault] += 1;
          if ((f + 1) % 10 === 0) log(`${f + 1} faults`);
        }
        for (const s of servers) s.clearFaults();
        await replicas.settled();
      })();

      const run = await runFates({
        databaseUrl: database.url,
        replicas,
        objects: setup.objects,
        people: { release, engineer },
        spreadMs: short ? 8_000 : 25_000,
        settleTimeoutMs: short ? 90_000 : 180_000,
        hurting,
        log,
      });
      // The judge reads what the clusters hold once their controllers have acted.
      await Promise.all(clusters.controllers.map((c) => c.settled()));
      const objects = kubePlatformObjects(clusters, setup.objects);
      const verdict = await judgeRollouts(database.url, run.started, objects);
      const refused = servers
        .flatMap((s) => s.requests)
        .filter((r) => isServingWrite(r) && r.status === 409).length;

      // Then a person browses while one cluster's API is down, then answers 5 s late: pages
      // read Flightdeck's own copies, never the API server, so they answer within 1 s, and the
      // cluster's page says its data is stale and how old (while down; slow is still current).
      const [first] = setup.clusters;
      const browsing: Record<string, string | number> = {};
      const browseFailures: string[] = [];
      if (first) {
        const server = clusters.server(first.name);
        const web = replicas.web().url;
        const pages = ["/", "/clusters", `/clusters/${first.name}`, "/rollouts"];
        const phaseMs = short ? 5_000 : 20_000;
        // each page once first: a process's first render of a route loads its code
        for (const page of pages)
          await (await fetch(`${web}${page}`, { headers: { cookie: engineer } })).text();
        for (const mode of ["down", "slow"] as const) {
          const undo = mode === "slow" ? server.addLatency(5_000) : null;
          if (mode === "down") await server.down();
          const started = Date.now();
          const times: number[] = [];
          let staleAfter: number | null = null;
          while (Date.now() - started < phaseMs) {
            for (const page of pages) {
              const t = performance.now();
              const res = await fetch(`${web}${page}`, {
                headers: { cookie: engineer },
                redirect: "manual",
              });
              const body = await res.text();
              const ms = performance.now() - t;
              times.push(ms);
              if (res.status !== 200)
                browseFailures.push(`${mode}: ${page} answered ${res.status}`);
              if (ms > PAGE_BOUND_MS) {
                browseFailures.push(`${mode}: ${page} took ${Math.round(ms)} ms`);
              }
              if (page.startsWith("/clusters/") && body.includes('data-testid="cluster-stale"')) {
                staleAfter ??= Date.now() - started;
              }
            }
          }
          if (mode === "down") {
            if (staleAfter === null) {
              browseFailures.push(
                `the API of ${first.name} was down ${phaseMs / 1000} s and its page never said stale`,
              );
            }
            await server.up();
          }
          undo?.();
          browsing[`${mode}: pages`] = times.length;
          browsing[`${mode}: p95 ms`] = Math.round(percentile(times, 95));
          browsing[`${mode}: max ms`] = Math.round(Math.max(...times));
          if (mode === "down")
            browsing["down: stale shown after s"] =
              staleAfter === null ? "never" : Math.round(staleAfter / 100) / 10;
        }
      }
      return {
        name: "kubernetes",
        figures: {
          rollouts: run.started.length,
          "Argo Rollouts": setup.objects.filter((o) => o.kind === "argo").length,
          InferenceServices: setup.objects.filter((o) => o.kind === "kserve").length,
          faults,
          ...Object.fromEntries(FAULTS.map((f) => [f, done[f]])),
          completed: verdict.figures.completed,
          aborted: verdict.figures.aborted,
          waiting: verdict.figures.waiting,
          "platform writes": verdict.figures.writes,
          "double-applied": verdict.figures.doubleApplied,
          "stale writes refused (409)": refused,
          "commands applied": run.applied,
          "refused as changed": run.refusedAsChanged,
          "settled after last fault s": Math.round(run.settledMs / 1000),
          ...browsing,
        },
        failures: [...run.failures, ...verdict.failures, ...browseFailures],
      };
    } finally {
      await clusters.stop();
    }
  },
};

export default scenario;
