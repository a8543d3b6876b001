import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { createTestSlo, SliBuckets } from "../../support/sli-buckets";
import type { Actor } from "@/server/auth/session";
import type { Role } from "@/lib/domain/access/roles";
import { declareIncident } from "@/server/incidents/declare";
import { getIncident } from "@/server/incidents/queries";
import { transitionIncident } from "@/server/incidents/lifecycle";
import { getPostmortem, getPostmortemStatus, savePostmortem } from "@/server/incidents/postmortems";
import { declareIncidentSchema, type DeclareIncidentInput } from "@/lib/schemas/incidents";
import type { IncidentEvent } from "@/lib/domain/incidents/lifecycle";
import type { PostmortemInput } from "@/lib/domain/incidents/postmortem";

const prisma = connectTestDatabase();
const meta = { requestId: "postmortems-test", clientIp: "198.51.100.9" };
const RUN = Date.now().toString(36);
const TITLE = `Postmortem test ${RUN}`;
const people = {} as Record<Role, Actor>;
let seq = 0;

beforeAll(async () => {
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  for (const role of ["viewer", "engineer", "release_manager", "admin"] as const) {
    const u = await prisma.user.create({
      data: { email: `${role}-${RUN}@postmortems.test`, name: role, role, teamId: team.id },
    });
    people[role] = {
      kind: "user",
      id: u.id,
      email: u.email,
      name: u.name,
      role,
      teamId: team.id,
      teamName: "Ranking",
    };
  }
  await prisma.user.create({
    data: { email: `gone-${RUN}@postmortems.test`, name: "Gone", role: "engineer", disabled: true },
  });
});

afterAll(async () => {
  // Audit rows are append-only and stay; the incidents, postmortems and SLOs go.
  await prisma.incident.deleteMany({ where: { title: { startsWith: TITLE } } });
  await prisma.slo.deleteMany({ where: { name: `pm-budget-${RUN}` } });
  await prisma.user.updateMany({
    where: { email: { endsWith: `${RUN}@postmortems.test` } },
    data: { disabled: true },
  });
  await prisma.$disconnect();
});

async function declare(input: Partial<DeclareIncidentInput> = {}) {
  const data = declareIncidentSchema.parse({
    title: `${TITLE} #${seq++}`,
    severity: "SEV2",
    affectedModels: ["ranker-xl"],
    ...input,
  });
  const result = await declareIncident(people.engineer, meta, data);
  return prisma.incident.findUniqueOrThrow({ where: { number: result.number } });
}

async function step(id: string, event: IncidentEvent) {
  const row = await prisma.incident.findUniqueOrThrow({ where: { id } });
  return transitionIncident(people.engineer, meta, { incidentId: id, version: row.version, event });
}

/** A postmortem with every field of the template filled in. */
function complete(overrides: Partial<PostmortemInput> = {}): PostmortemInput {
  return {
    summary: "A ranker-xl canary raised 5xx in us-east-1 until it was rolled back.",
    impact: "1.2% of ranking requests failed for 38 minutes.",
    timeline: [{ at: "2026-11-29T10:00:00Z", text: "Burn-rate page fired", source: "auto" }],
    contributingFactors: ["Canary analysis ignored the feature-store error class."],
    followUps: [
      {
        action: "Add feature-store errors to canary analysis",
        owner: people.engineer.email,
        dueDate: "2026-12-15",
      },
    ],
    ...overrides,
  };
}

const save = (
  incidentId: string,
  version: number,
  postmortem: PostmortemInput,
  who: Role = "engineer",
) => savePostmortem(people[who], meta, { incidentId, version, postmortem });

/** Everything a refused save must leave untouched. */
async function footprint(incidentId: string) {
  return {
    postmortem: await prisma.postmortem.findUnique({ where: { incidentId } }),
    events: await prisma.incidentEvent.count({ where: { incidentId } }),
    audits: await prisma.auditEvent.count({ where: { targetId: incidentId } }),
  };
}

describe("reading a postmortem", () => {
  it("before any save, is a draft whose timeline comes from the incident's record", async () => {
    const i = await declare();
    await step(i.id, "acknowledge");
    await step(i.id, "resolve");
    const view = await getPostmortem(people.engineer, i.number);
    const detail = await getIncident(people.engineer, i.number);
    expect(view).toMatchObject({
      incidentId: i.id,
      number: i.number,
      severity: "SEV2",
      status: "resolved",
      version: 0,
      savedAt: null,
      completeness: null,
      required: { required: true, reasons: ["it is a SEV2 incident"] },
      canEdit: true,
      readOnlyReason: null,
      newTimelineEntries: [],
      postmortem: { summary: "", impact: "", contributingFactors: [], followUps: [] },
    });
    const texts = view.postmortem.timeline.map((e) => e.text);
    // the four milestones, and every entry of the incident's timeline with its actor
    expect(texts).toEqual(
      expect.arrayContaining(["Detected", "Acknowledged", "Mitigated", "Resolved"]),
    );
    for (const e of detail.timeline) {
      expect(texts).toContain(e.actor ? `${e.message} (${e.actor})` : e.message);
    }
    expect(texts).toHaveLength(4 + detail.timeline.length);
    expect(view.postmortem.timeline.every((e) => e.source === "auto")).toBe(true);
    expect(view.owners.map((o) => o.email)).toContain(people.engineer.email);
    expect(view.owners.map((o) => o.email)).not.toContain(people.viewer.email);
  });

  it("is read-only for viewers, who see no owners to pick", async () => {
    const i = await declare();
    const view = await getPostmortem(people.viewer, i.number);
    expect(view).toMatchObject({ canEdit: false, owners: [] });
    expect(view.readOnlyReason).toMatch(/cannot work incidents/);
    await expect(getPostmortem(null, i.number)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(getPostmortem(people.viewer, 2_000_000_000)).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

describe("saving a postmortem", () => {
  it("creates it at version 1 with a timeline entry and an audit row in the same change", async () => {
    const i = await declare();
    const draft = { summary: "Half written", timeline: [] };
    const r = await save(i.id, 0, draft);
    expect(r).toMatchObject({ number: i.number, version: 1, changed: true });
    expect(r.completeness.complete).toBe(false);
    const row = await prisma.postmortem.findUniqueOrThrow({ where: { incidentId: i.id } });
    expect(row).toMatchObject({
      summary: "Half written",
      version: 1,
      updatedBy: people.engineer.email,
    });
    const events = await prisma.incidentEvent.findMany({
      where: { incidentId: i.id, kind: "postmortem" },
    });
    expect(events).toEqual([
      expect.objectContaining({ message: "Postmortem saved", actor: people.engineer.email }),
    ]);
    const audits = await prisma.auditEvent.findMany({
      where: { targetId: i.id, action: "incident.postmortem" },
    });
    expect(audits).toEqual([
      expect.objectContaining({
        outcome: "allowed",
        actorEmail: people.engineer.email,
        clientIp: meta.clientIp,
        before: null,
        after: {
          number: i.number,
          version: 1,
          complete: false,
          fields: ["summary", "impact", "timeline", "contributingFactors", "followUps"],
        },
      }),
    ]);
    const view = await getPostmortem(people.engineer, i.number);
    expect(view).toMatchObject({ version: 1, savedBy: people.engineer.email });
    expect(view.postmortem.summary).toBe("Half written");
    expect(view.postmortem.timeline).toEqual([]);
    expect(view.completeness).toMatchObject({ complete: false });

    const done = await save(i.id, 1, complete());
    expect(done).toMatchObject({ version: 2, changed: true, completeness: { complete: true } });
    const messages = await prisma.incidentEvent.findMany({
      where: { incidentId: i.id, kind: "postmortem" },
      orderBy: { at: "asc" },
    });
    expect(messages.map((e) => e.message)).toEqual(["Postmortem saved", "Postmortem completed"]);
    const second = await prisma.auditEvent.findFirstOrThrow({
      where: { targetId: i.id, action: "incident.postmortem" },
      orderBy: { at: "desc" },
    });
    expect(second.before).toEqual({ version: 1, complete: false });
    expect(second.after).toMatchObject({ version: 2, complete: true });
  });

  it("stores the timeline in time order and reads it back as dates", async () => {
    const i = await declare();
    await save(i.id, 0, {
      timeline: [
        { at: "2026-11-29T10:30:00+01:00", text: "Rolled back", source: "manual" },
        { at: new Date("2026-11-29T09:00:00Z"), text: "Detected", source: "auto" },
      ],
    });
    const view = await getPostmortem(people.engineer, i.number);
    expect(view.postmortem.timeline).toEqual([
      { at: new Date("2026-11-29T09:00:00Z"), text: "Detected", source: "auto" },
      { at: new Date("2026-11-29T09:30:00Z"), text: "Rolled back", source: "manual" },
    ]);
  });

  it("refuses invalid input and unknown or disabled owners, writing nothing", async () => {
    const i = await declare();
    const before = await footprint(i.id);
    await expect(
      save(i.id, 0, { timeline: [{ at: "yesterday", text: "x" }] }),
    ).rejects.toMatchObject({ name: "ZodError" });
    await expect(save(i.id, 0, { summary: "x".repeat(20_001) })).rejects.toMatchObject({
      name: "ZodError",
    });
    await expect(
      save(i.id, 0, complete({ followUps: [{ action: "a", owner: "e", dueDate: "2026-02-30" }] })),
    ).rejects.toMatchObject({ name: "ZodError" });
    const nobody = `nobody-${RUN}@postmortems.test`;
    await expect(
      save(
        i.id,
        0,
        complete({
          followUps: [
            { action: "a", owner: people.engineer.email, dueDate: "2026-12-01" },
            { action: "b", owner: nobody.toUpperCase(), dueDate: "2026-12-01" },
            { action: "c", owner: `gone-${RUN}@postmortems.test`, dueDate: null },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: `Unknown follow-up owners: ${nobody}, gone-${RUN}@postmortems.test. A follow-up goes to someone with an enabled Flightdeck account.`,
    });
    // any enabled user may own a follow-up, not only those who work incidents
    expect(
      await save(
        i.id,
        0,
        complete({
          followUps: [{ action: "a", owner: people.viewer.email, dueDate: "2026-12-01" }],
        }),
      ),
    ).toMatchObject({ version: 1 });
    await expect(save(i.id, 1, complete(), "viewer")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(save(i.id, 1, complete(), "release_manager")).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      savePostmortem(null, meta, { incidentId: i.id, version: 1, postmortem: {} }),
    ).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await footprint(i.id)).postmortem?.version).toBe(1);
    expect(before.postmortem).toBeNull();
    await expect(save("no-such-incident", 0, complete())).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("a save from a stale version is a conflict and changes nothing", async () => {
    const i = await declare();
    await save(i.id, 0, { summary: "Alice's draft" });
    await save(i.id, 1, { summary: "Alice's second draft" });
    const before = await footprint(i.id);
    await expect(
      save(i.id, 1, { summary: "Bob's edit of version 1" }, "admin"),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(
        new RegExp(
          `^The postmortem of incident #${i.number} changed since you opened it \\(you edited version 1; it is at version 2, saved by ${people.engineer.email} at .+\\)\\. Nothing was saved: reload to see the latest version, then make your changes again\\.$`,
        ),
      ),
    });
    // a first save when someone else already created it is stale too
    await expect(save(i.id, 0, { summary: "Carol's first draft" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await footprint(i.id)).toEqual(before);
  });

  it("saves the same content once, on a double click or a repeat", async () => {
    const i = await declare();
    const input = complete({ summary: "Double click" });
    const [a, b] = await Promise.all([save(i.id, 0, input), save(i.id, 0, input)]);
    expect([a.changed, b.changed].sort()).toEqual([false, true]);
    expect([a.version, b.version]).toEqual([1, 1]);
    const before = await footprint(i.id);
    // the same content again, even from an older version
    expect(await save(i.id, 0, input)).toMatchObject({ version: 1, changed: false });
    expect(await footprint(i.id)).toEqual(before);
    expect(before.events).toBe(2);
    expect(
      await prisma.incidentEvent.count({ where: { incidentId: i.id, kind: "postmortem" } }),
    ).toBe(1);
  });

  it("offers the incident events since the last save that its timeline lacks, not the saves themselves", async () => {
    const i = await declare();
    const first = await getPostmortem(people.engineer, i.number);
    await save(i.id, 0, { timeline: first.postmortem.timeline });
    await step(i.id, "resolve");
    const view = await getPostmortem(people.engineer, i.number);
    expect(view.newTimelineEntries.map((e) => e.text)).toEqual([
      "Acknowledged",
      "Mitigated",
      "Resolved",
      `Status: resolved (${people.engineer.email})`,
    ]);
  });
});

describe("the close gate", () => {
  it("a resolved SEV2 closes only with a complete postmortem, and then it is read-only", async () => {
    const i = await declare({ severity: "SEV2" });
    await step(i.id, "resolve");
    await expect(step(i.id, "close")).rejects.toThrow(
      "This incident is resolved but cannot be closed yet: it needs a complete postmortem (it is a SEV2 incident). None has been started.",
    );
    await save(i.id, 0, complete({ summary: "", contributingFactors: [] }));
    await expect(step(i.id, "close")).rejects.toMatchObject({
      code: "CONFLICT",
      message:
        "This incident is resolved but cannot be closed yet: it needs a complete postmortem (it is a SEV2 incident). Still missing: Write a summary. Name at least one contributing factor.",
    });
    const blocked = await getIncident(people.engineer, i.number);
    expect(blocked.availableEvents).not.toContain("close");
    expect(blocked.closeBlockedReason).toMatch(/Still missing: Write a summary\./);
    expect(await getPostmortemStatus(people.viewer, i.number)).toMatchObject({
      required: { required: true },
      completeness: {
        complete: false,
        reasons: ["Write a summary.", "Name at least one contributing factor."],
      },
      version: 1,
      canEdit: false,
    });

    await save(i.id, 1, complete());
    const ready = await getIncident(people.engineer, i.number);
    expect(ready.availableEvents).toContain("close");
    expect(ready.closeBlockedReason).toBeNull();
    expect((await step(i.id, "close")).status).toBe("closed");

    const before = await footprint(i.id);
    await expect(save(i.id, 2, complete({ summary: "Too late" }))).rejects.toMatchObject({
      code: "CONFLICT",
      message: `Incident #${i.number} is closed; its postmortem is read-only.`,
    });
    expect(await footprint(i.id)).toEqual(before);
    expect(await getPostmortem(people.engineer, i.number)).toMatchObject({
      canEdit: false,
      readOnlyReason: `Incident #${i.number} is closed; its postmortem is read-only.`,
      owners: [],
    });
  });

  it("a SEV3 that consumed more than 20% of a linked SLO's budget needs one", async () => {
    // A 30-day SLO at 99% whose only traffic is during the incident: 30 minutes of 1,000 events
    // with 100 bad in each spend 3,000 of a 30,000 + 1,000,000-event window's 10,300 budget.
    const slo = await createTestSlo(prisma, `pm-budget-${RUN}`);
    const now = Date.now();
    const start = new Date(Math.floor(now / 60_000) * 60_000 - 40 * 60_000);
    await new SliBuckets(0.99)
      .minutes(start, new Date(start.getTime() + 30 * 60_000), 1_000, 100)
      .hour(new Date(Math.floor(now / 3_600_000) * 3_600_000 - 5 * 86_400_000), {
        good: 1_000_000,
        total: 1_000_000,
        slices: 60,
        goodSlices: 60,
      })
      .write(prisma, slo.id);
    const i = await declare({ severity: "SEV3", linkedSlos: [slo.name] });
    // detected when the bad minutes began, as an alert would have opened it
    await prisma.incident.update({ where: { id: i.id }, data: { detectedAt: start } });
    await step(i.id, "resolve");
    const status = await getPostmortemStatus(people.engineer, i.number);
    const share = status.impact.shares[0]?.share ?? 0;
    expect(share).toBeCloseTo(3_000 / 10_300, 9);
    expect(status.required).toEqual({
      required: true,
      reasons: [`it consumed 29.1% of ${slo.name}'s error budget`],
    });
    await expect(step(i.id, "close")).rejects.toThrow(
      `This incident is resolved but cannot be closed yet: it needs a complete postmortem (it consumed 29.1% of ${slo.name}'s error budget). None has been started.`,
    );
    await save(i.id, 0, complete());
    expect((await step(i.id, "close")).status).toBe("closed");

    // the same SEV3 without the SLO linked needs none
    const quiet = await declare({ severity: "SEV3" });
    await step(quiet.id, "resolve");
    expect((await getPostmortemStatus(people.engineer, quiet.number)).required.required).toBe(
      false,
    );
    expect((await step(quiet.id, "close")).status).toBe("closed");
  });
});
