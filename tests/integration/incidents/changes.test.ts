import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { movableTestClock } from "../../support/clock";
import { driveUntil as drive } from "../../support/drive";
import { allowDirectChanges } from "../../support/release-process";
import { actor } from "../../support/actors";
import type { Actor } from "@/server/auth/session";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform } from "@/server/fleet/platform";
import { startRollout } from "@/server/rollouts/start";
import { actOnIncidentChange } from "@/server/incidents/act-on-change";
import { incidentChanges } from "@/server/incidents/changes";
import { SCOPE_SELECT } from "@/server/incidents/timeline";
import { getIncident } from "@/server/incidents/queries";
import type { Fault } from "@/lib/platform/simulator/behaviour";
import { registerVersionWith } from "../../support/versions";
import { AppError } from "@/server/errors";

const prisma = connectTestDatabase();
const meta = { requestId: "incident-changes-test", clientIp: "198.51.100.10" };
const RUN = Date.now().toString(36);
const TITLE = `What changed test ${RUN}`;
// A model no other test file rolls out: the shared database's recent rollouts of ranker-xl
// (some with failed analyses) would rightly outrank this file's.
const MODEL = "fraud-scorer";
let teamId = "";
let release: Actor;
let engineer: Actor;
let viewer: Actor;

beforeAll(async () => {
  await allowDirectChanges(prisma, ["production/us-east-1"]);
  teamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "trust-safety" } })).id;
  const make = (role: "release_manager" | "engineer") =>
    person(prisma, role, { team: "trust-safety", email: `${role}-${RUN}@changes.test` });
  release = await make("release_manager");
  engineer = await make("engineer");
  viewer = actor("viewer", teamId);
  await resetSimulatorFleet();
});

afterAll(async () => {
  await prisma.incident.deleteMany({ where: { title: { startsWith: TITLE } } });
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

async function versionWith(model: string, fault: Fault): Promise<string> {
  return (await registerVersionWith(prisma, model, fault, (i) => `8.${i}.0-incident`)).version;
}

const time = movableTestClock();
const driveUntil = (id: string, done: (status: string) => boolean, seconds = 60) =>
  drive(prisma, time, [id], done, { seconds });

async function start(model: string, version: string, steps: string) {
  const started = await startRollout(release, meta, {
    model,
    version,
    strategy: "canary",
    steps,
    waves: "production/us-east-1",
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
  });
  return started.rollouts[0]!.id;
}

async function declare(n: number) {
  const i = await prisma.incident.create({
    data: {
      title: `${TITLE} #${n}`,
      severity: "SEV2",
      status: "investigating",
      summary: "",
      affectedModels: [MODEL],
      affectedRegions: ["us-east-1"],
      detectedAt: time.now(),
      acknowledgedAt: time.now(),
    },
    select: SCOPE_SELECT,
  });
  return i;
}

async function serving(model: string) {
  const { data } = await fleetPlatform().deployments({ model, region: "us-east-1" });
  return data
    .filter((d) => d.environment === "production")
    .map((d) => [d.version, d.trafficWeight] as const)
    .sort((a, b) => b[1] - a[1]);
}

describe("what changed? and acting on it", () => {
  it("ranks the bad rollout in flight first with its evidence, and aborts it from the incident", async () => {
    const bad = await versionWith(MODEL, "errors");
    const id = await start(MODEL, bad, "weight 40\npause");
    await driveUntil(id, (s) => s === "paused");
    const incident = await declare(1);

    const changes = await incidentChanges(engineer, incident);
    const top = changes[0]!;
    expect(top).toMatchObject({
      kind: "rollout",
      href: `/rollouts/${id}`,
      environment: "production/us-east-1",
      overlap: "model_and_region",
      status: "paused",
    });
    // Same model and region, still in progress at detection: 50 + 30.
    expect(top.score).toBe(80);
    expect(top.why[0]).toContain("Same model (fraud-scorer) and region (us-east-1)");
    expect(top.action).toMatchObject({ kind: "abort", rolloutId: id });
    expect(top.action?.blastRadius).toContain("40% of production/us-east-1 traffic");
    // No analysis ran: the evidence is the live error rate of the new and previous version.
    expect(top.evidence?.source).toBe("live");
    const errors = top.evidence?.metrics.find((m) => m.metric === "error_rate");
    expect(errors?.canary).toBeGreaterThan(errors?.baseline ?? 1);
    // Viewers see the ranking, never the button.
    expect((await incidentChanges(viewer, incident))[0]?.action).toBeNull();

    const done = await actOnIncidentChange(engineer, meta, {
      incidentId: incident.id,
      rolloutId: id,
      rolloutVersion: top.action!.rolloutVersion,
      action: "abort",
      reason: "5xx on the canary",
    });
    expect(done.alreadyApplied).toBe(false);
    const aborted = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(aborted.status).toBe("aborted");
    expect(aborted.reason).toContain(`Incident #${incident.number}: 5xx on the canary`);
    await driveUntil(id, () => true, 5);
    expect((await serving(MODEL))[0]?.[1]).toBe(100);
    // A double click lands once.
    const again = await actOnIncidentChange(engineer, meta, {
      incidentId: incident.id,
      rolloutId: id,
      rolloutVersion: top.action!.rolloutVersion,
      action: "abort",
      reason: "5xx on the canary",
    });
    expect(again.alreadyApplied).toBe(true);
    // Once it is no longer in flight, a view older than the abort is a conflict, not a repeat.
    await expect(
      actOnIncidentChange(engineer, meta, {
        incidentId: incident.id,
        rolloutId: id,
        rolloutVersion: top.action!.rolloutVersion - 1,
        action: "abort",
        reason: "",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    const audit = await prisma.auditEvent.findFirst({
      where: { action: "rollout.abort", targetId: id, actorEmail: engineer.email },
    });
    expect(audit).not.toBeNull();
    // The incident's timeline shows the rollout's steps and the abort.
    const detail = await getIncident(engineer, incident.number);
    const rolloutLines = detail.timeline.filter((e) => e.kind === "rollout");
    expect(rolloutLines.length).toBeGreaterThan(1);
    expect(rolloutLines.some((e) => e.href === `/rollouts/${id}`)).toBe(true);
  });

  it("rolls back a completed rollout to the version before it", async () => {
    const before = (await serving(MODEL))[0]![0];
    const bad = await versionWith(MODEL, "errors");
    const id = await start(MODEL, bad, "weight 100");
    await driveUntil(id, (s) => s === "completed");
    expect((await serving(MODEL))[0]).toEqual([bad, 100]);
    const incident = await declare(2);
    const top = (await incidentChanges(engineer, incident))[0]!;
    expect(top.status).toBe("completed");
    expect(top.action).toMatchObject({ kind: "rollback", toVersion: before });
    expect(top.action?.blastRadius).toContain(
      `All production/us-east-1 traffic for fraud-scorer moves from ${bad} to ${before}`,
    );
    const result = await actOnIncidentChange(engineer, meta, {
      incidentId: incident.id,
      rolloutId: id,
      rolloutVersion: top.action!.rolloutVersion,
      action: "rollback",
      reason: "",
    });
    await driveUntil(result.rolloutId, (s) => s === "completed");
    expect((await serving(MODEL))[0]).toEqual([before, 100]);
    // A double click lands once: the rollout is now replaced by the rollback.
    const again = await actOnIncidentChange(engineer, meta, {
      incidentId: incident.id,
      rolloutId: id,
      rolloutVersion: top.action!.rolloutVersion,
      action: "rollback",
      reason: "",
    });
    expect(again.alreadyApplied).toBe(true);
    const rollbackRow = await prisma.rollout.findUniqueOrThrow({
      where: { id: result.rolloutId },
      select: { kind: true, reason: true },
    });
    expect(rollbackRow.kind).toBe("rollback");

    // The rollback itself now shows among the changes, without a button of its own.
    const after = await incidentChanges(engineer, { ...incident, detectedAt: time.now() });
    const rollbackChange = after.find((c) => c.href === `/rollouts/${result.rolloutId}`);
    expect(rollbackChange?.kind).toBe("rollback");
    expect(rollbackChange?.action).toBeNull();
    // and the rollout it replaced offers no second rollback
    const replaced = after.find((c) => c.href === `/rollouts/${id}`);
    expect(replaced?.action).toBeNull();
    expect(replaced?.noActionReason).toContain("replaced it");
  });

  it("refuses a rollout that is not among the incident's suspects, and a closed incident", async () => {
    const incident = await declare(3);
    const other = await prisma.rollout.findFirstOrThrow({
      where: {
        model: { name: { not: MODEL } },
        environment: { region: { code: { not: "us-east-1" } } },
      },
      select: { id: true, version: true },
    });
    const attempt = actOnIncidentChange(engineer, meta, {
      incidentId: incident.id,
      rolloutId: other.id,
      rolloutVersion: other.version,
      action: "abort",
      reason: "",
    });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await prisma.incident.update({ where: { id: incident.id }, data: { status: "cancelled" } });
    await expect(
      actOnIncidentChange(engineer, meta, {
        incidentId: incident.id,
        rolloutId: other.id,
        rolloutVersion: other.version,
        action: "abort",
        reason: "",
      }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });
});
