import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock, dayAfterSeedAt } from "../../support/clock";
import { actor } from "../../support/actors";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { commandDrain, planRegionDrain, startDrain } from "@/server/traffic/drains";
import { driveDrains } from "@/server/traffic/engine";
import { addSubscription, createChannel } from "@/server/notifications/channels";
import { addSubscriptionSchema, createChannelSchema } from "@/lib/schemas/notifications";
import { drainCommandSchema, drainPlanSchema, startDrainSchema } from "@/lib/schemas/traffic";
import type { NotificationPayload } from "@/lib/domain/notifications/events";
import type { DrainPhase } from "@/lib/domain/traffic/drain";

process.env.FLIGHTDECK_ENCRYPTION_KEY = "drain-notification-tests-key-0123";

const prisma = connectTestDatabase();
// The simulated fleet follows the time of day: the plans these tests expect are those of one
// fixed morning (08:00 UTC), whatever day and hour the suite runs.
const time = movableTestClock(dayAfterSeedAt(8));
const meta = { requestId: "drain-notify-test", clientIp: "198.51.100.9" };
const admin = actor("admin");
const DRAIN_EVENTS = ["drain.started", "drain.paused", "drain.drained", "drain.undrained"];

/** channel name → id: one for the ranking team, one for trust & safety, one for everything */
const channels = new Map<string, string>();

async function teamId(slug: string): Promise<string> {
  return (await prisma.team.findUniqueOrThrow({ where: { slug }, select: { id: true } })).id;
}

beforeAll(async () => {
  await resetSimulatorFleet();
  for (const [name, team] of [
    ["ranking", "ranking"],
    ["trust", "trust-safety"],
    ["sre", null],
  ] as const) {
    const { channel } = await createChannel(
      admin,
      meta,
      createChannelSchema.parse({
        kind: "webhook",
        name: `${name} drains`,
        url: `https://hooks.example.com/${name}`,
      }),
    );
    channels.set(name, channel.id);
    await addSubscription(
      admin,
      meta,
      addSubscriptionSchema.parse({
        channelId: channel.id,
        ...(team ? { teamId: await teamId(team) } : {}),
        events: DRAIN_EVENTS,
      }),
    );
  }
});
afterAll(() => prisma.$disconnect());

/** The drain events each channel was given a delivery of, in order, with their payloads. */
async function delivered(drainId: string) {
  const rows = await prisma.notificationDelivery.findMany({
    where: { event: { subjectKey: `drain:${drainId}` } },
    select: { channelId: true, event: { select: { type: true, payload: true, seq: true } } },
    orderBy: { event: { seq: "asc" } },
  });
  const byChannel = (name: string) =>
    rows.filter((r) => r.channelId === channels.get(name)).map((r) => r.event.type);
  return {
    ranking: byChannel("ranking"),
    trust: byChannel("trust"),
    sre: byChannel("sre"),
    payloads: rows
      .filter((r) => r.channelId === channels.get("sre"))
      .map((r) => r.event.payload as unknown as NotificationPayload),
  };
}

async function driveUntil(id: string, phase: DrainPhase): Promise<void> {
  for (let i = 0; i < 400; i++) {
    await driveDrains();
    const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
    if (row.phase === phase) return;
    if (row.paused) throw new Error(`drain paused: ${row.pauseReason}`);
    time.advance(5_000);
  }
  throw new Error(`drain did not reach ${phase}`);
}

async function command(id: string, name: "pause" | "undrain", who = admin) {
  const row = await prisma.regionDrain.findUniqueOrThrow({ where: { id } });
  await commandDrain(
    who,
    meta,
    drainCommandSchema.parse({
      drainId: id,
      command: name,
      expectedVersion: row.version,
      reason: "drain notification test",
    }),
  );
}

describe("notifications of region drains", () => {
  it("tells the model's team and everyone's channel when a team's drain starts, completes and ends", async () => {
    const engineer = actor("engineer", await teamId("ranking"));
    const plan = await planRegionDrain(
      engineer,
      drainPlanSchema.parse({ region: "us-east-1", scope: "model", name: "ranker-xl" }),
    );
    const raise = plan.plan.models[0]?.receiving[0]?.suggestedMax;
    const { id } = await startDrain(
      engineer,
      meta,
      startDrainSchema.parse({
        region: "us-east-1",
        scope: "model",
        name: "ranker-xl",
        headroom: 20,
        raise: `ranker-xl/us-west-2=${raise}`,
        steps: [100],
        stepSeconds: 60,
        reason: "maintenance of us-east-1",
      }),
    );
    expect(await delivered(id)).toMatchObject({
      ranking: ["drain.started"],
      trust: [],
      sre: ["drain.started"],
    });
    const [started] = (await delivered(id)).payloads;
    expect(started).toMatchObject({
      type: "drain.started",
      subject: { kind: "drain", id, name: "Drain of us-east-1", path: `/regions/drains/${id}` },
      actor: "engineer@test.local",
      reason: "maintenance of us-east-1",
      blastRadius: "ranker-xl's production traffic in us-east-1",
      team: "Search & Ranking",
      model: "ranker-xl",
      environment: "production/us-east-1",
    });
    // The verdicts it has, not a count of 0 for the others.
    expect(started?.summary).toMatch(
      /^Drain of us-east-1 started by engineer@test\.local for 1 model \(1 safe\): steps 100%, 60 s each\.$/,
    );
    expect(started?.facts).toContainEqual({ label: "Capacity check", value: "1 safe" });

    await driveUntil(id, "drained");
    await command(id, "undrain", engineer);
    await driveUntil(id, "undrained");
    const all = await delivered(id);
    expect(all.ranking).toEqual(["drain.started", "drain.drained", "drain.undrained"]);
    expect(all.trust).toEqual([]);
    // Flightdeck's own steps carry no actor; each says what the timeline says.
    const drained = all.payloads.find((p) => p.type === "drain.drained");
    expect(drained?.actor).toBeNull();
    expect(drained?.summary).toMatch(/^us-east-1 is drained/);
    expect(all.payloads.at(-1)?.summary).toMatch(/^us-east-1 serves its own traffic again/);
  });

  it("tells every subscriber of a failover of everything in a region, and of a person's pause", async () => {
    const { id } = await startDrain(
      admin,
      meta,
      startDrainSchema.parse({
        region: "eu-west-1",
        scope: "all",
        headroom: 20,
        kind: "failover",
        acknowledge: true,
        reason: "eu-west-1 is down",
      }),
    );
    await command(id, "pause");
    const sent = await delivered(id);
    // Every team serving there is moved: each team's channel hears of it.
    expect(sent.ranking).toEqual(["drain.started", "drain.paused"]);
    expect(sent.trust).toEqual(["drain.started", "drain.paused"]);
    expect(sent.sre).toEqual(["drain.started", "drain.paused"]);
    const [started, paused] = sent.payloads;
    expect(started?.subject.name).toBe("Emergency failover of eu-west-1");
    expect(started?.team).toBeNull();
    expect(started?.blastRadius).toMatch(/^the production traffic of \d+ models in eu-west-1$/);
    expect(started?.facts).toContainEqual({ label: "Steps", value: "all traffic at once" });
    expect(paused).toMatchObject({
      actor: "admin@test.local",
      reason: "drain notification test",
    });
  });

  it("sends nothing for a drain that was refused", async () => {
    const before = await prisma.notificationEvent.count({
      where: { type: { startsWith: "drain." } },
    });
    const viewer = actor("viewer");
    await expect(
      startDrain(
        viewer,
        meta,
        startDrainSchema.parse({
          region: "us-west-2",
          scope: "all",
          headroom: 20,
          reason: "a viewer tries",
        }),
      ),
    ).rejects.toThrow();
    expect(
      await prisma.notificationEvent.count({ where: { type: { startsWith: "drain." } } }),
    ).toBe(before);
  });
});
