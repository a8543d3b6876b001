import "server-only";
import { randomUUID } from "node:crypto";
import os from "node:os";
import { clock } from "@/lib/clock";
import type { Prisma } from "@/server/db/client";
import { db } from "@/server/db/client";
import {
  ConflictError,
  withTimeout,
  type AutoscalerControl,
  type AutoscalerKey,
  type InstantSample,
  type RegionDials,
  type TrafficManager,
} from "@/lib/platform/types";
import {
  dialFor,
  judgeReceiving,
  nextDrainStep,
  receivingReady,
  returningReady,
  type DrainModel,
  type ReceivingSample,
} from "@/lib/domain/traffic/drain";
import {
  autoscalerControl,
  fleetPlatform,
  metricsSource,
  trafficManager,
} from "@/server/fleet/platform";
import { log } from "@/lib/telemetry/log";
import { notifyDrain } from "@/server/notifications/subjects";
import { drainModels, drainSelect, modelsJson, type DrainRow } from "./drain-row";

/**
 * The drain engine (a worker loop): moves each open drain's traffic one step at a time. Like
 * the rollout engine, it holds a lease on the drain's row while it works (so one worker drives a
 * drain), calls the platform outside transactions, and checks before every write that nobody
 * changed the drain meanwhile: a person's pause or undrain wins over a step planned before it.
 * Steps set absolute dials, so a write whose outcome was unknown is simply made again.
 */

const LEASE_MS = 60_000;
const PLATFORM_TIMEOUT_MS = 20_000;
/** A step waits at most this long for the receiving regions' replicas, then the drain pauses. */
export const READY_TIMEOUT_MS = 10 * 60_000;
/** After a failed platform call the drain is tried again after this long. */
const RETRY_MS = 10_000;
const PROCESS = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
let claims = 0;

/** The drain changed (a person's command) or the lease was lost: stop this pass. */
class Superseded extends Error {}

async function claim(now: Date): Promise<{ id: string; owner: string }[]> {
  const owner = `${PROCESS}#${++claims}`;
  const rows = await db().$queryRaw<{ id: string }[]>`
    UPDATE "RegionDrain" SET "leaseOwner" = ${owner}, "leaseUntil" = ${new Date(now.getTime() + LEASE_MS)}
    WHERE id IN (
      SELECT id FROM "RegionDrain"
      WHERE phase IN ('draining', 'undraining') AND paused = false
        AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})
        AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= ${now})
      ORDER BY "createdAt"
      LIMIT 20
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  return rows.map((r) => ({ id: r.id, owner }));
}

async function release(id: string, owner: string): Promise<void> {
  await db().$executeRaw`
    UPDATE "RegionDrain" SET "leaseOwner" = NULL, "leaseUntil" = NULL
    WHERE id = ${id} AND "leaseOwner" = ${owner}`;
}

/** Drives every open drain that is due: the worker calls this every engine tick. */
export async function driveDrains(): Promise<number> {
  const balancer = trafficManager();
  if (!balancer) return 0;
  const claimed = await claim(clock.now());
  for (const { id, owner } of claimed) {
    try {
      await driveOne(id, owner, balancer, autoscalerControl());
    } catch (error) {
      if (!(error instanceof Superseded)) {
        log().error({ drain: id, err: error }, "drain engine failed on a drain");
      }
    } finally {
      await release(id, owner).catch(() => undefined);
    }
  }
  return claimed.length;
}

/** Renews the lease and checks the drain is still at the version the work was planned from. */
async function guard(row: DrainRow, owner: string): Promise<void> {
  const renewed = await db().regionDrain.updateMany({
    where: { id: row.id, version: row.version, leaseOwner: owner, paused: false, phase: row.phase },
    data: { leaseUntil: new Date(clock.ms() + LEASE_MS) },
  });
  if (renewed.count !== 1) throw new Superseded();
}

/** Records the outcome of a pass in one short transaction, if the drain did not change. */
async function record(
  row: DrainRow,
  owner: string,
  data: Prisma.RegionDrainUpdateManyMutationInput,
  event?: { kind: string; message: string },
  /** tell the subscribers, with the event's message, in the same transaction */
  notice?: { type: "drain.paused" | "drain.drained" | "drain.undrained"; reason?: string },
): Promise<void> {
  await db().$transaction(async (tx) => {
    const changed = await tx.regionDrain.updateMany({
      where: { id: row.id, version: row.version, leaseOwner: owner },
      data,
    });
    if (changed.count !== 1) throw new Superseded();
    if (event) {
      await tx.regionDrainEvent.create({
        data: { drainId: row.id, at: clock.now(), kind: event.kind, message: event.message },
      });
      if (notice) {
        await notifyDrain(tx, row.id, notice.type, {
          actor: null,
          reason: notice.reason ?? null,
          summary: event.message,
        });
      }
    }
  });
}

async function readyReplicas(): Promise<Map<string, number>> {
  const { data } = await withTimeout(
    "deployments",
    PLATFORM_TIMEOUT_MS,
    fleetPlatform().deployments({ environment: "production" }),
  );
  const ready = new Map<string, number>();
  for (const d of data) {
    const k = `${d.model}|${d.region}`;
    ready.set(k, (ready.get(k) ?? 0) + d.replicasReady);
  }
  return ready;
}

async function setBounds(
  control: AutoscalerControl,
  key: AutoscalerKey,
  expected: { min: number; max: number },
  bounds: { min: number; max: number },
): Promise<"set" | "already" | "changed-outside"> {
  if (expected.min === bounds.min && expected.max === bounds.max) return "already";
  try {
    await withTimeout(
      "set autoscaler",
      PLATFORM_TIMEOUT_MS,
      control.setAutoscalerBounds(key, expected, bounds),
    );
    return "set";
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // An earlier pass set it and did not hear back, or someone changed it since.
    const { data } = await fleetPlatform().autoscalers();
    const now = data.find(
      (h) => h.cluster === key.cluster && h.namespace === key.namespace && h.target === key.target,
    );
    if (now && now.min === bounds.min && now.max === bounds.max) return "already";
    return "changed-outside";
  }
}

interface BoundsChange {
  label: string;
  cluster: string;
  autoscaler: { namespace: string; target: string } | null;
  from: { min: number; max: number } | null;
  to: { min: number; max: number } | null;
}

/**
 * Sets autoscaler bounds, each conditionally on the bounds it expects; those changed since by
 * someone else are left as they are. Says which it changed (with the new bounds) and which not.
 */
async function changeBounds(
  row: DrainRow,
  owner: string,
  control: AutoscalerControl | null,
  changes: BoundsChange[],
): Promise<{ changed: string[]; outside: string[] }> {
  const changed: string[] = [];
  const outside: string[] = [];
  if (!control) return { changed, outside };
  for (const c of changes) {
    if (!c.autoscaler || !c.from || !c.to) continue;
    await guard(row, owner);
    const outcome = await setBounds(control, { cluster: c.cluster, ...c.autoscaler }, c.from, c.to);
    if (outcome === "changed-outside") outside.push(c.label);
    else changed.push(`${c.label} to ${c.to.min}–${c.to.max}`);
  }
  return { changed, outside };
}

/**
 * Sets one region's dial of a model, and only that one: a drain owns its region's dial, never
 * the others' (another region may be drained at the same time, by another drain).
 */
async function setDial(
  balancer: TrafficManager,
  model: string,
  region: string,
  dial: number,
  current: Map<string, RegionDials>,
): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const d = current.get(model);
    if (!d) throw new Error(`the global load balancer does not know ${model}`);
    const next = { ...d.dials, [region]: dial };
    if (Object.entries(next).every(([r, v]) => d.dials[r] === v)) return;
    try {
      const { resourceVersion } = await withTimeout(
        `set dials of ${model}`,
        PLATFORM_TIMEOUT_MS,
        balancer.setDials({ model, resourceVersion: d.resourceVersion }, next),
      );
      current.set(model, { ...d, dials: next, resourceVersion });
      return;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt > 0) throw error;
      // Someone else moved another region's dial: read again and set only ours.
      for (const fresh of (await balancer.dials()).data) current.set(fresh.model, fresh);
    }
  }
}

async function samplesOf(models: DrainModel[]): Promise<ReceivingSample[]> {
  const metrics = metricsSource();
  const names = new Set(models.map((m) => m.model));
  const selector = { environment: "production" } as const;
  const [rates, errors, p99s] = await Promise.all([
    metrics.instant("request_rate", selector),
    metrics.instant("error_rate", selector),
    metrics.instant("latency_p99", selector),
  ]);
  const key = (s: InstantSample) =>
    `${s.labels.model}|${s.labels.region}|${s.labels.cluster}|${s.labels.version}`;
  const rps = new Map(rates.map((s) => [key(s), s.value]));
  const acc = new Map<string, { w: number; err: number; p99: number | null }>();
  for (const s of errors) {
    if (!names.has(s.labels.model)) continue;
    const k = `${s.labels.model}|${s.labels.region}`;
    const a = acc.get(k) ?? { w: 0, err: 0, p99: null };
    const w = rps.get(key(s)) ?? 0;
    a.w += w;
    a.err += s.value * w;
    acc.set(k, a);
  }
  for (const s of p99s) {
    const k = `${s.labels.model}|${s.labels.region}`;
    const a = acc.get(k);
    if (a) a.p99 = Math.max(a.p99 ?? 0, s.value);
  }
  return [...acc].map(([k, a]) => {
    const [model = "", region = ""] = k.split("|");
    return { model, region, errorRate: a.w > 0 ? a.err / a.w : null, p99Ms: a.p99 };
  });
}

const shareText = (dial: number) => `${dial}%`;

async function driveOne(
  id: string,
  owner: string,
  balancer: TrafficManager,
  control: AutoscalerControl | null,
): Promise<void> {
  for (let pass = 0; pass < 4; pass++) {
    const row = await db().regionDrain.findUniqueOrThrow({ where: { id }, select: drainSelect });
    if (row.paused) return;
    const models = drainModels(row);
    const now = clock.ms();
    const step = nextDrainStep(
      {
        region: row.region,
        kind: row.kind,
        phase: row.phase,
        steps: row.steps,
        stepSeconds: row.stepSeconds,
        stepIndex: row.stepIndex,
        stepAppliedAt: row.stepAppliedAt?.getTime() ?? null,
        prepared: row.prepared,
      },
      now,
    );
    try {
      if (step.kind === "none" || step.kind === "wait") return;
      if (step.kind === "raise-autoscalers") {
        const { changed: raised, outside } = await changeBounds(
          row,
          owner,
          control,
          models.flatMap((m) =>
            m.receiving.map((r) => ({
              label: `${m.model} in ${r.region}`,
              cluster: r.cluster,
              autoscaler: r.autoscaler,
              from: r.hpaBefore,
              to: r.hpaSet,
            })),
          ),
        );
        await record(
          row,
          owner,
          { prepared: true, blockedReason: null, nextAttemptAt: null },
          raised.length + outside.length > 0
            ? {
                kind: "autoscalers",
                message:
                  `${raised.length > 0 ? `Raised autoscalers ahead of traffic: ${raised.join("; ")}.` : ""}${outside.length > 0 ? ` Left as they are (changed outside Flightdeck): ${outside.join("; ")}.` : ""}`.trim(),
              }
            : undefined,
        );
        continue;
      }
      if (step.kind === "analyse") {
        const samples = await samplesOf(models);
        const verdict = judgeReceiving(models, samples);
        if (!verdict.ok) {
          await record(
            row,
            owner,
            { paused: true, pauseReason: verdict.reason, version: { increment: 1 } },
            { kind: "analysis", message: `Analysis failed; paused. ${verdict.reason}` },
            { type: "drain.paused", reason: verdict.reason },
          );
          return;
        }
        if (step.then === "drained") {
          await record(
            row,
            owner,
            {
              phase: "drained",
              blockedReason: null,
              nextAttemptAt: null,
              version: { increment: 1 },
            },
            {
              kind: "drained",
              message: `${row.region} is drained: its traffic is served by the other regions. ${verdict.summary}`,
            },
            { type: "drain.drained" },
          );
          return;
        }
        if (await applyDraining(row, owner, models, row.stepIndex + 1, balancer, verdict.summary)) {
          continue;
        }
        return;
      }
      if (step.kind === "apply") {
        if (row.phase === "draining") {
          if (await applyDraining(row, owner, models, step.index, balancer, null)) continue;
          return;
        }
        if (await applyUndraining(row, owner, models, step.index, balancer, control)) continue;
        return;
      }
      if (step.kind === "restore") {
        // A step that moved a dial but lost its record to an undrain leaves the row at step -1
        // with the dial moved: put the region's dial back first (no write where it already is).
        const current = new Map((await balancer.dials()).data.map((d) => [d.model, d]));
        for (const m of models) {
          await guard(row, owner);
          await setDial(balancer, m.model, row.region, m.dialsBefore[row.region] ?? 100, current);
        }
        const { changed: restored, outside } = await changeBounds(
          row,
          owner,
          control,
          models.flatMap((m) => [
            ...m.receiving.map((r) => ({
              label: `${m.model} in ${r.region}`,
              cluster: r.cluster,
              autoscaler: r.autoscaler,
              from: r.hpaSet,
              to: r.hpaBefore,
            })),
            {
              label: `${m.model} in ${row.region}`,
              cluster: m.drained.cluster,
              autoscaler: m.drained.autoscaler,
              from: m.drained.hpaSet,
              to: m.drained.hpaBefore,
            },
          ]),
        );
        await record(
          row,
          owner,
          {
            phase: "undrained",
            endedAt: clock.now(),
            blockedReason: null,
            nextAttemptAt: null,
            version: { increment: 1 },
          },
          {
            kind: "undrained",
            message: `${row.region} serves its own traffic again; its dial is as before the drain.${restored.length > 0 ? ` Autoscalers restored: ${restored.join("; ")}.` : ""}${outside.length > 0 ? ` Left as they are (changed outside Flightdeck): ${outside.join("; ")}.` : ""}`,
          },
          { type: "drain.undrained" },
        );
        return;
      }
    } catch (error) {
      if (error instanceof Superseded) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      await record(
        row,
        owner,
        { blockedReason: reason, nextAttemptAt: new Date(clock.ms() + RETRY_MS) },
        row.blockedReason === reason
          ? undefined
          : { kind: "blocked", message: `Blocked: ${reason}. Trying again.` },
      ).catch(() => undefined);
      return;
    }
  }
}

/** Moves the drained region's dial to step `index`, once the receiving regions are ready. */
async function applyDraining(
  row: DrainRow,
  owner: string,
  models: DrainModel[],
  index: number,
  balancer: TrafficManager,
  analysis: string | null,
): Promise<boolean> {
  if (row.kind === "drain") {
    const ready = await readyReplicas();
    const short: string[] = [];
    for (const m of models) {
      for (const r of m.receiving) {
        const want = receivingReady(r, row.steps, index);
        const have = ready.get(`${m.model}|${r.region}`) ?? 0;
        if (have < want) short.push(`${m.model} in ${r.region} (${have} of ${want} ready)`);
      }
    }
    if (short.length > 0) {
      const since = row.waitingSince?.getTime() ?? clock.ms();
      if (clock.ms() - since > READY_TIMEOUT_MS) {
        await record(
          row,
          owner,
          {
            paused: true,
            pauseReason: `Replicas not ready after ${READY_TIMEOUT_MS / 60_000} minutes: ${short.join("; ")}.`,
            waitingSince: null,
            version: { increment: 1 },
          },
          { kind: "paused", message: `Paused: replicas not ready in time (${short.join("; ")}).` },
          { type: "drain.paused" },
        );
        return false;
      }
      if (!row.waitingSince) {
        await record(
          row,
          owner,
          { waitingSince: new Date(since) },
          {
            kind: "waiting",
            message: `${analysis ? `${analysis} ` : ""}Step ${index + 1} waits for replicas: ${short.join("; ")}.`,
          },
        );
      }
      return false;
    }
  }
  const current = new Map((await balancer.dials()).data.map((d) => [d.model, d]));
  const dials: string[] = [];
  for (const m of models) {
    const dial = dialFor(row.steps, index, m.dialsBefore[row.region] ?? 100);
    await guard(row, owner);
    await setDial(balancer, m.model, row.region, dial, current);
    dials.push(`${m.model}`);
  }
  const dial = dialFor(row.steps, index, 100);
  await record(
    row,
    owner,
    {
      stepIndex: index,
      stepAppliedAt: clock.now(),
      waitingSince: null,
      blockedReason: null,
      nextAttemptAt: null,
    },
    {
      kind: "step",
      message: `${analysis ? `${analysis} ` : ""}Step ${index + 1} of ${row.steps.length}: ${row.region} keeps ${shareText(dial)} of its traffic; ${100 - dial}% moved to the other regions (${models.length} model${models.length === 1 ? "" : "s"}).`,
    },
  );
  return true;
}

/** Brings traffic back one step, scaling the drained region up for it first. */
async function applyUndraining(
  row: DrainRow,
  owner: string,
  models: DrainModel[],
  index: number,
  balancer: TrafficManager,
  control: AutoscalerControl | null,
): Promise<boolean> {
  // Scale the returning region for the traffic this step brings back.
  if (!row.prepared) {
    const next = models.map((m) => ({ ...m, drained: { ...m.drained } }));
    if (control) {
      const { data: hpas } = await fleetPlatform().autoscalers();
      for (const m of next) {
        const a = m.drained.autoscaler;
        if (!a || !m.drained.hpaBefore) continue;
        const hpa = hpas.find(
          (h) =>
            h.cluster === m.drained.cluster && h.namespace === a.namespace && h.target === a.target,
        );
        if (!hpa) continue;
        const want = Math.min(
          hpa.max,
          Math.max(m.drained.hpaBefore.min, returningReady(m, row.steps, index)),
        );
        if (want <= hpa.min) continue;
        await guard(row, owner);
        const outcome = await setBounds(
          control,
          { cluster: m.drained.cluster, ...a },
          { min: hpa.min, max: hpa.max },
          { min: want, max: hpa.max },
        );
        if (outcome !== "changed-outside") m.drained.hpaSet = { min: want, max: hpa.max };
      }
    }
    await record(row, owner, { prepared: true, models: modelsJson(next) });
    return true;
  }
  const ready = await readyReplicas();
  const short: string[] = [];
  for (const m of models) {
    if (!m.drained.hpaSet) continue;
    const want = Math.min(m.drained.hpaSet.min, returningReady(m, row.steps, index));
    const have = ready.get(`${m.model}|${row.region}`) ?? 0;
    if (have < want) short.push(`${m.model} in ${row.region} (${have} of ${want} ready)`);
  }
  if (short.length > 0) {
    const since = row.waitingSince?.getTime() ?? clock.ms();
    if (clock.ms() - since <= READY_TIMEOUT_MS) {
      if (!row.waitingSince) {
        await record(
          row,
          owner,
          { waitingSince: new Date(since) },
          {
            kind: "waiting",
            message: `Traffic waits for replicas in ${row.region}: ${short.join("; ")}.`,
          },
        );
      }
      return false;
    }
    // Past the wait: bring the traffic back anyway (the region's own autoscaler follows); an
    // undrain is never stuck on a replica that does not come.
  }
  const current = new Map((await balancer.dials()).data.map((d) => [d.model, d]));
  for (const m of models) {
    await guard(row, owner);
    const dial = dialFor(row.steps, index, m.dialsBefore[row.region] ?? 100);
    await setDial(balancer, m.model, row.region, dial, current);
  }
  const dial = dialFor(row.steps, index, 100);
  await record(
    row,
    owner,
    {
      stepIndex: index,
      stepAppliedAt: clock.now(),
      waitingSince: null,
      prepared: index < 0,
      blockedReason: null,
      nextAttemptAt: null,
    },
    {
      kind: "step",
      message:
        index < 0
          ? `Traffic is back: ${row.region}'s dial is as it was before the drain.`
          : `Undrain: ${row.region} keeps ${shareText(dial)} of its traffic again.`,
    },
  );
  return true;
}
