import "server-only";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import type { ChaosEffect } from "@/lib/platform/simulator/chaos";
import type { ChaosKind, StartChaosData, StopChaosData } from "@/lib/schemas/chaos";

export interface ChaosRow {
  id: string;
  kind: ChaosKind;
  region: string;
  magnitude: number;
  startedAt: Date;
  endsAt: Date;
  stoppedAt: Date | null;
  reason: string;
  createdBy: string;
}

/** When an experiment ends: when stopped early, else when it heals by itself. */
export function chaosEnd(e: { endsAt: Date; stoppedAt: Date | null }): Date {
  return e.stoppedAt ?? e.endsAt;
}

/** running, stopped (early, by someone) or healed (by itself at its end). */
export function chaosState(
  e: { endsAt: Date; stoppedAt: Date | null },
  now = clock.now(),
): "running" | "stopped" | "healed" {
  if (chaosEnd(e).getTime() > now.getTime()) return "running";
  return e.stoppedAt ? "stopped" : "healed";
}

/** "region degradation in us-east-1 (20%)" */
export function describeChaos(e: { kind: string; region: string; magnitude: number }): string {
  return `${e.kind.replace(/_/g, " ")} in ${e.region} (${Math.round(e.magnitude * 100)}%)`;
}

const select = {
  id: true,
  kind: true,
  region: true,
  magnitude: true,
  startedAt: true,
  endsAt: true,
  stoppedAt: true,
  reason: true,
  createdById: true,
} as const;

async function withCreators(
  rows: (Omit<ChaosRow, "createdBy"> & { createdById: string })[],
): Promise<ChaosRow[]> {
  const users = await db().user.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.createdById))] } },
    select: { id: true, email: true },
  });
  const email = new Map(users.map((u) => [u.id, u.email]));
  return rows.map(({ createdById, ...r }) => ({
    ...r,
    createdBy: email.get(createdById) ?? "unknown",
  }));
}

/**
 * Experiments in these regions that were injecting faults at some moment of [from, to], oldest
 * first: started by `to` and not ended before `from`.
 */
export async function chaosOverlapping(
  regions: readonly string[],
  from: Date,
  to: Date,
): Promise<ChaosRow[]> {
  if (regions.length === 0) return [];
  const rows = await db().chaosExperiment.findMany({
    where: {
      region: { in: [...regions] },
      startedAt: { lte: to },
      endsAt: { gte: from },
      OR: [{ stoppedAt: null }, { stoppedAt: { gte: from } }],
    },
    orderBy: { startedAt: "asc" },
    take: 100,
    select,
  });
  return withCreators(rows);
}

/** Experiments that are running or ended in the last day, newest first. */
export async function listChaos(actor: Actor | null): Promise<ChaosRow[]> {
  assertCanRead(actor);
  const rows = await db().chaosExperiment.findMany({
    where: { endsAt: { gte: new Date(clock.ms() - 86_400_000) } },
    orderBy: { startedAt: "desc" },
    take: 50,
    select,
  });
  return withCreators(rows);
}

/**
 * How long a process reuses the experiments it read. Every read of the simulated fleet and every
 * simulated metric asks for them (hundreds of times a second with many rollouts in flight), and
 * they change only when someone starts or stops one: this process sees its own starts and stops
 * at once (`forgetChaosEffects`), another replica's within this time.
 */
const CHAOS_REUSE_MS = 1_000;

// On globalThis: the pages' and the worker's bundles each have a copy of this module, and one
// process may run both.
const g = globalThis as unknown as {
  flightdeckChaos?: { readAt: number; effects: Promise<ChaosEffect[]> } | null;
};

/**
 * The faults the simulator applies: every experiment not stopped early, over its time span.
 * Read at most once per `CHAOS_REUSE_MS` (of real time) by one process.
 */
export function chaosEffects(): Promise<ChaosEffect[]> {
  const cached = g.flightdeckChaos;
  const now = performance.now();
  if (cached && now - cached.readAt < CHAOS_REUSE_MS) return cached.effects;
  const effects = readChaosEffects();
  g.flightdeckChaos = { readAt: now, effects };
  // a failed read is not kept: the next caller reads again
  effects.catch(() => {
    if (g.flightdeckChaos?.effects === effects) g.flightdeckChaos = null;
  });
  return effects;
}

/**
 * Forgets the experiments read, after this process started or stopped one (or a test changed
 * them directly, as another replica would): the next read sees the change.
 */
export function forgetChaosEffects(): void {
  g.flightdeckChaos = null;
}

/** Runs a start or stop, then forgets the experiments read, whether it committed or not. */
async function changingChaos<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } finally {
    forgetChaosEffects();
  }
}

async function readChaosEffects(): Promise<ChaosEffect[]> {
  const rows = await db().chaosExperiment.findMany({
    where: { endsAt: { gte: new Date(clock.ms() - 7 * 86_400_000) } },
    select: {
      kind: true,
      region: true,
      magnitude: true,
      startedAt: true,
      endsAt: true,
      stoppedAt: true,
    },
  });
  return rows.map((r) => ({
    kind: r.kind,
    region: r.region,
    magnitude: r.magnitude,
    start: r.startedAt.getTime(),
    end: Math.min(r.endsAt.getTime(), r.stoppedAt?.getTime() ?? Infinity),
  }));
}

export async function startChaos(actor: Actor | null, meta: RequestMeta, input: StartChaosData) {
  assertAllowed(actor, "chaos.trigger");
  if (
    (process.env.FLIGHTDECK_PLATFORM ?? "simulator") !== "simulator" ||
    process.env.PROMETHEUS_URL
  ) {
    throw new AppError("INVALID_INPUT", "Chaos experiments act on the simulated fleet only.");
  }
  const region = await db().region.findUnique({
    where: { code: input.region },
    select: { code: true },
  });
  if (!region) throw new AppError("INVALID_INPUT", `No region ${input.region}.`);
  return changingChaos(() =>
    db().$transaction(async (tx) => {
      // One running experiment of a kind per region: a double-click starts one, not two.
      await advisoryLock(tx, LOCKS.chaos(input.kind, input.region));
      const running = await tx.chaosExperiment.findFirst({
        where: {
          kind: input.kind,
          region: input.region,
          stoppedAt: null,
          endsAt: { gt: clock.now() },
        },
        select,
      });
      if (running) return { ...(await withCreators([running]))[0], alreadyRunning: true };
      const now = clock.now();
      const created = await tx.chaosExperiment.create({
        data: {
          kind: input.kind,
          region: input.region,
          magnitude: input.percent / 100,
          startedAt: now,
          endsAt: new Date(now.getTime() + input.durationMinutes * 60_000),
          createdById: actor.id,
          reason: input.reason,
        },
        select,
      });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "chaos.start",
        targetType: "chaos_experiment",
        targetId: created.id,
        outcome: "allowed",
        reason: input.reason,
        after: {
          kind: created.kind,
          region: created.region,
          magnitude: created.magnitude,
          endsAt: created.endsAt.toISOString(),
        },
      });
      return { ...(await withCreators([created]))[0], alreadyRunning: false };
    }),
  );
}

/** Stops an experiment early; the fleet heals at once. Stopping a finished one changes nothing. */
export async function stopChaos(actor: Actor | null, meta: RequestMeta, input: StopChaosData) {
  assertAllowed(actor, "chaos.trigger");
  return changingChaos(() =>
    db().$transaction(async (tx) => {
      const e = await tx.chaosExperiment.findUnique({ where: { id: input.experimentId }, select });
      if (!e) throw new AppError("NOT_FOUND", "That experiment does not exist.");
      if (e.stoppedAt || e.endsAt <= clock.now()) return (await withCreators([e]))[0];
      // Conditional update: of two concurrent stops, one changes the row and audits it.
      const changed = await tx.chaosExperiment.updateMany({
        where: { id: e.id, stoppedAt: null },
        data: { stoppedAt: clock.now() },
      });
      const stopped = await tx.chaosExperiment.findUniqueOrThrow({ where: { id: e.id }, select });
      if (changed.count === 0) return (await withCreators([stopped]))[0];
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "chaos.stop",
        targetType: "chaos_experiment",
        targetId: e.id,
        outcome: "allowed",
        before: { stoppedAt: null },
        after: { stoppedAt: stopped.stoppedAt?.toISOString() ?? null },
      });
      return (await withCreators([stopped]))[0];
    }),
  );
}
