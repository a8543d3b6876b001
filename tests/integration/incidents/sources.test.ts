import "../../support/request-context";
import { readFileSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import type { Actor } from "@/server/auth/session";
import { loadUserActor } from "@/server/auth/session";
import { createToken } from "@/server/access/tokens";
import { POST } from "@/app/api/v1/alerts/alertmanager/route";
import { applySloSpecs } from "@/server/slos/definitions";
import { evaluateSlos } from "@/server/slos/evaluator";
import { getIncident } from "@/server/incidents/queries";
import { transitionIncident } from "@/server/incidents/lifecycle";
import { addLink, removeLink } from "@/server/models/links";
import { addLinkSchema } from "@/lib/schemas/links";
import type { SloSpecInput } from "@/lib/domain/slos/spec";

const prisma = connectTestDatabase();
const meta = { requestId: "incident-sources-test", clientIp: "198.51.100.9" };
const RUN = Date.now().toString(36);
const MINUTE = 60_000;
let admin: Actor;
let engineer: Actor;
let alertToken: string;
let assistantToken: string;
let readToken: string;

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(path.join(__dirname, "../../fixtures/alertmanager", `${name}.json`), "utf8"),
  ) as { alerts: { fingerprint: string; labels: Record<string, string> }[] } & Record<
    string,
    unknown
  >;

beforeAll(async () => {
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const make = async (role: "admin" | "engineer") =>
    (await loadUserActor(
      (
        await prisma.user.create({
          data: { email: `${role}-${RUN}@sources.test`, name: role, role, teamId: team.id },
        })
      ).id,
    )) as Actor;
  admin = await make("admin");
  engineer = await make("engineer");
  const mint = async (
    name: string,
    scopes: ("fleet.read" | "incident.work")[],
    teamId: string = team.id,
  ) =>
    (
      await createToken(admin, meta, {
        name: `${name}-${RUN}`,
        teamId,
        scopes,
        expiresInDays: 30,
      })
    ).secret;
  alertToken = await mint("alertmanager", ["incident.work"]);
  readToken = await mint("reader", ["fleet.read"]);
  const assistant = await prisma.team.findUniqueOrThrow({ where: { slug: "assistant" } });
  assistantToken = await mint("assistant-alertmanager", ["incident.work"], assistant.id);
});

afterAll(async () => {
  await prisma.incident.deleteMany({
    where: {
      OR: [
        { alerts: { some: { fingerprint: { endsWith: RUN } } } },
        { linkedSlos: { hasSome: [`src-page-${RUN}`, `src-attach-${RUN}`] } },
      ],
    },
  });
  await prisma.slo.deleteMany({ where: { name: { endsWith: RUN } } });
  await prisma.user.updateMany({
    where: { email: { endsWith: `${RUN}@sources.test` } },
    data: { disabled: true },
  });
  await prisma.$disconnect();
});

function post(token: string | null, body: unknown, raw?: string, type = "application/json") {
  return POST(
    new NextRequest("http://localhost:3000/api/v1/alerts/alertmanager", {
      method: "POST",
      headers: {
        "content-type": type,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: raw ?? JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
}

/** A fixture with this run's fingerprints, so runs never share incidents. */
function notification(name: string, patch: (a: Record<string, unknown>) => void = () => {}) {
  const doc = fixture(name);
  for (const a of doc.alerts) {
    a.fingerprint = `${a.fingerprint}-${RUN}`;
    patch(a as unknown as Record<string, unknown>);
  }
  return doc;
}

describe("POST /api/v1/alerts/alertmanager", () => {
  it("opens one incident per firing alert, deduplicates repeats, and notes the resolution", async () => {
    // Both alerts are about the assistant team's model: that team's Alertmanager sends them.
    const alertToken = assistantToken;
    const body = notification("firing-grouped-by-region");
    const first = await post(alertToken, body);
    expect(first.status).toBe(200);
    const { alerts } = (await first.json()) as {
      alerts: { fingerprint: string; outcome: string; incident: number }[];
    };
    expect(alerts.map((a) => a.outcome)).toEqual(body.alerts.map(() => "opened"));
    const gpu = await prisma.incident.findUniqueOrThrow({
      where: { number: alerts[0]!.incident },
      select: {
        title: true,
        severity: true,
        status: true,
        source: true,
        affectedModels: true,
        affectedRegions: true,
        detectedAt: true,
        events: { select: { kind: true, message: true } },
      },
    });
    // flightdeck_severity wins over severity="critical"; detection is the alert's start.
    expect(gpu).toMatchObject({
      title: "H100 GPUs falling off the bus on gke-euw1-serve-01",
      severity: "SEV1",
      status: "triage",
      source: "alertmanager",
      affectedModels: ["assistant-llm-70b"],
      affectedRegions: ["eu-west-1"],
    });
    expect(gpu.detectedAt.toISOString()).toBe("2026-11-17T05:02:00.000Z");
    expect(gpu.events[0]?.message).toContain("Opened by Alertmanager alert GpuXidErrors");
    const audit = await prisma.auditEvent.findFirst({
      where: { action: "incident.declare", targetType: "incident", actorRole: "token" },
      orderBy: { at: "desc" },
    });
    expect(audit?.actorEmail).toContain("alertmanager");

    // Alertmanager repeats the notification every repeat_interval: nothing new opens.
    const again = await post(alertToken, body);
    const repeated = (await again.json()) as { alerts: { outcome: string; incident: number }[] };
    expect(repeated.alerts.map((a) => [a.outcome, a.incident])).toEqual(
      alerts.map((a) => ["duplicate", a.incident]),
    );
    expect(await prisma.incidentAlert.count({ where: { fingerprint: { endsWith: RUN } } })).toBe(
      body.alerts.length,
    );

    // Resolved: a note on the timeline; the incident stays open for people to resolve.
    const resolved = notification("firing-grouped-by-region", (a) => {
      a.status = "resolved";
      a.endsAt = new Date(Date.now() - MINUTE).toISOString();
    });
    resolved.status = "resolved";
    const res = await post(alertToken, resolved);
    const out = (await res.json()) as { alerts: { outcome: string }[] };
    expect(out.alerts.map((a) => a.outcome)).toEqual(body.alerts.map(() => "updated"));
    const after = await getIncident(engineer, alerts[0]!.incident);
    expect(after.status).toBe("triage");
    expect(after.timeline.map((e) => e.message).join("\n")).toContain("Alert resolved at");
    // The same resolution delivered twice is a duplicate.
    const twice = (await (await post(alertToken, resolved)).json()) as {
      alerts: { outcome: string }[];
    };
    expect(twice.alerts.map((a) => a.outcome)).toEqual(body.alerts.map(() => "duplicate"));
  });

  it("raises the severity of the open incident when the same alert escalates", async () => {
    const body = notification("firing-sloth-custom-severity");
    const first = (await (await post(alertToken, body)).json()) as {
      alerts: { incident: number; outcome: string }[];
    };
    expect(first.alerts[0]?.outcome).toBe("opened");
    const before = await prisma.incident.findUniqueOrThrow({
      where: { number: first.alerts[0]!.incident },
    });
    const escalated = notification("firing-sloth-custom-severity", (a) => {
      (a.labels as Record<string, string>).flightdeck_severity = "SEV1";
    });
    const second = (await (await post(alertToken, escalated)).json()) as {
      alerts: { incident: number; outcome: string }[];
    };
    expect(second.alerts[0]).toMatchObject({ outcome: "updated", incident: before.number });
    const after = await prisma.incident.findUniqueOrThrow({ where: { id: before.id } });
    expect(before.severity).not.toBe("SEV1");
    expect(after.severity).toBe("SEV1");
    expect(after.version).toBe(before.version + 1);
  });

  it("refuses, alert by alert, what would touch another team's model, SLO or incident", async () => {
    const template = fixture("firing-sloth-custom-severity").alerts[0]!;
    const alert = (key: string, labels: Record<string, string>) => ({
      ...template,
      fingerprint: `scope-${key}-${RUN}`,
      labels: { alertname: `Scope${key}`, severity: "warning", ...labels },
    });
    const foreignSlo = await prisma.slo.findFirstOrThrow({
      where: { team: { slug: "assistant" } },
      select: { name: true },
    });
    // An incident of the assistant team's model, opened by that team's Alertmanager.
    const theirs = alert("theirs", { model: "assistant-llm-70b" });
    const opened = (await (
      await post(assistantToken, { ...fixture("firing-sloth-custom-severity"), alerts: [theirs] })
    ).json()) as {
      alerts: { outcome: string; incident: number }[];
    };
    expect(opened.alerts[0]?.outcome).toBe("opened");
    const before = await prisma.incident.findUniqueOrThrow({
      where: { number: opened.alerts[0]!.incident },
      select: { id: true, version: true, severity: true },
    });

    const body = {
      ...fixture("firing-sloth-custom-severity"),
      alerts: [
        alert("model", { model: "assistant-llm-70b" }),
        alert("ours", { model: "ranker-xl" }),
        alert("slo", { slo: foreignSlo.name }),
        alert("nomodel", { cluster: "gke-euw1-serve-01" }),
        // The other team's fingerprint, without the labels that would give it away.
        { ...theirs, labels: { alertname: "ScopeTheirs", flightdeck_severity: "SEV1" } },
      ],
    };
    const res = await post(alertToken, body);
    expect(res.status).toBe(200);
    const { alerts } = (await res.json()) as {
      alerts: { fingerprint: string; outcome: string; incident: number | null; reason?: string }[];
    };
    expect(alerts.map((a) => a.outcome)).toEqual([
      "refused",
      "opened",
      "refused",
      "opened",
      "refused",
    ]);
    expect(alerts[0]).toMatchObject({
      incident: null,
      reason: expect.stringMatching(/names the model assistant-llm-70b, of another team/),
    });
    expect(alerts[2]?.reason).toMatch(
      new RegExp(`names the SLO ${foreignSlo.name}, of another team`),
    );
    expect(alerts[4]?.reason).toMatch(
      /open incident holding its fingerprint affects a model of another team/,
    );

    // Nothing of the other team's changed; each refusal is on the record with its reason.
    expect(
      await prisma.incident.findUniqueOrThrow({
        where: { id: before.id },
        select: { id: true, version: true, severity: true },
      }),
    ).toEqual(before);
    for (const key of ["model", "slo"]) {
      expect(
        await prisma.incidentAlert.count({ where: { fingerprint: `scope-${key}-${RUN}` } }),
      ).toBe(0);
    }
    const refusals = await prisma.auditEvent.findMany({
      where: {
        action: "incident.alert",
        outcome: "denied",
        actorEmail: `token:alertmanager-${RUN}`,
        after: { path: ["fingerprint"], string_starts_with: "scope-" },
      },
    });
    expect(refusals).toHaveLength(3);
    expect(refusals.every((r) => r.reason?.startsWith("Refused:"))).toBe(true);
  });

  it("refuses malformed, unauthenticated, unauthorized, oversized and non-JSON bodies, changing nothing", async () => {
    const count = () => prisma.incidentAlert.count({ where: { fingerprint: { endsWith: RUN } } });
    const before = await count();
    const wrongVersion = { ...notification("firing-slo-burn"), version: "3" };
    const malformed = await post(alertToken, wrongVersion);
    expect(malformed.status).toBe(422);
    const error = (await malformed.json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(error.error.fields)).toContain("version");

    const noFingerprint = notification("firing-slo-burn", (a) => {
      a.fingerprint = "";
    });
    expect((await post(alertToken, noFingerprint)).status).toBe(422);
    expect((await post(alertToken, null, "{not json")).status).toBe(422);
    expect((await post(alertToken, null, "version=4", "text/plain")).status).toBe(422);

    // Without a token the request is a browser's: refused as cross-site (no Origin).
    expect((await post(null, notification("firing-slo-burn"))).status).toBe(403);
    expect((await post("fdk_forged_token", notification("firing-slo-burn"))).status).toBe(401);
    const forbidden = await post(readToken, notification("firing-slo-burn"));
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { message: string } }).error.message).toContain(
      "incident.work",
    );

    const huge = notification("firing-slo-burn", (a) => {
      (a.labels as Record<string, string>).padding = "x".repeat(600 * 1024);
    });
    const tooLarge = await post(alertToken, huge);
    expect(tooLarge.status).toBe(413);
    expect(await count()).toBe(before);
    const denial = await prisma.auditEvent.findFirst({
      where: { action: "incident.alert", outcome: "denied" },
      orderBy: { at: "desc" },
    });
    expect(denial?.reason).toContain("incident.work");
  });
});

// ---------------------------------------------------------------------------------------------

const spec = (name: string): SloSpecInput => ({
  name,
  description: "incident sources test",
  service: "ranker-xl",
  team: "ranking",
  sliKind: "availability",
  objective: 0.999,
  window: { kind: "rolling", days: 30 },
  budgetingMethod: "occurrences",
  // Fast windows: 5 minutes long, 1 minute short; threshold 0.001 × 43,200 / 5 = 8.64x.
  alerts: [
    { severity: "page", budgetFraction: 0.001, longWindowMinutes: 5, shortWindowMinutes: 1 },
    { severity: "page", budgetFraction: 0.002, longWindowMinutes: 10, shortWindowMinutes: 2 },
  ],
});

/** Per-minute traffic with an error share, into minute, hour and day buckets. */
async function writeTraffic(
  sloId: string,
  from: number,
  to: number,
  perMinute: number,
  errors: number,
) {
  for (let t = from; t < to; t += MINUTE) {
    const good = Math.round(perMinute * (1 - errors));
    for (const [resolution, start] of [
      ["minute", t],
      ["hour", Math.floor(t / (60 * MINUTE)) * 60 * MINUTE],
      ["day", Math.floor(t / (1440 * MINUTE)) * 1440 * MINUTE],
    ] as const) {
      await prisma.$executeRaw`
        INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
        VALUES (${sloId}, ${resolution}::"BucketResolution", ${new Date(start)}, ${good}, ${perMinute}, 1, 0)
        ON CONFLICT ("sloId", resolution, start) DO UPDATE
          SET good = "SliBucket".good + EXCLUDED.good, total = "SliBucket".total + EXCLUDED.total,
              slices = "SliBucket".slices + EXCLUDED.slices`;
    }
  }
}

describe("incidents from page burn-rate alerts", () => {
  // Now, to the minute: people act on the incident after the evaluator opened it.
  const NOW = Math.floor(Date.now() / MINUTE) * MINUTE;

  it("opens one incident per SLO, attaches later alerts, and mitigates when the burn stops", async () => {
    const name = `src-page-${RUN}`;
    await applySloSpecs(engineer, meta, [spec(name)]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name } });
    // 12 minutes at 2% errors: 20x the budget rate, past both page windows.
    await writeTraffic(slo.id, NOW - 12 * MINUTE, NOW, 1000, 0.02);
    const round = await evaluateSlos(new Date(NOW));
    expect(round?.incidentsOpened).toHaveLength(1);
    const number = round!.incidentsOpened[0]!;
    const opened = await getIncident(engineer, number);
    expect(opened).toMatchObject({
      severity: "SEV2",
      status: "triage",
      source: "slo",
      declaredBy: null,
      linkedSlos: [{ name, exists: true }],
      affectedModels: [{ name: "ranker-xl" }],
    });
    // The SLO measures ranker-xl wherever it serves production.
    expect(opened.affectedRegions.length).toBeGreaterThan(0);
    expect(opened.title).toMatch(/error budget burning at 20×/);
    // (Related activity in its regions, from other files, may come before it.)
    expect(opened.timeline.find((e) => e.kind === "declared")?.message).toMatch(
      /^Opened by page alert on src-page-/,
    );
    // The burn-rate alerts are on the timeline.
    expect(opened.timeline.filter((e) => e.kind === "slo_alert")).toHaveLength(2);

    // The next round (or another replica) opens nothing more while the alerts stay open.
    const next = await evaluateSlos(new Date(NOW));
    expect(next?.incidentsOpened).toEqual([]);
    expect(await prisma.incident.count({ where: { linkedSlos: { has: name } } })).toBe(1);

    // On-call acknowledges; then the bad change is undone and two clean minutes calm the short
    // windows: the alerts resolve and the incident moves to mitigated by itself.
    await transitionIncident(engineer, meta, {
      incidentId: opened.id,
      version: opened.version,
      event: "acknowledge",
    });
    await writeTraffic(slo.id, NOW, NOW + 3 * MINUTE, 1000, 0);
    const calm = await evaluateSlos(new Date(NOW + 3 * MINUTE));
    expect(calm?.incidentsMitigated).toEqual([number]);
    const mitigated = await prisma.incident.findUniqueOrThrow({
      where: { number },
      select: { status: true, mitigatedAt: true, acknowledgedAt: true },
    });
    expect(mitigated.status).toBe("mitigated");
    expect(mitigated.mitigatedAt?.getTime()).toBe(NOW + 3 * MINUTE);
    const audit = await prisma.auditEvent.findFirst({
      where: { action: "incident.transition", actorRole: "system", targetId: opened.id },
    });
    expect(audit?.after).toMatchObject({ event: "mitigate", status: "mitigated" });

    // The burn comes back: the same incident goes back to investigating, no new one opens.
    await writeTraffic(slo.id, NOW + 3 * MINUTE, NOW + 9 * MINUTE, 1000, 0.05);
    const back = await evaluateSlos(new Date(NOW + 9 * MINUTE));
    expect(back?.incidentsOpened).toEqual([]);
    const again = await prisma.incident.findUniqueOrThrow({
      where: { number },
      select: { status: true, mitigatedAt: true, events: { select: { message: true } } },
    });
    expect(again.status).toBe("investigating");
    expect(again.mitigatedAt).toBeNull();
    expect(again.events.map((e) => e.message).join("\n")).toContain("the burn is back");
  });

  it("an Alertmanager alert naming an SLO with an open incident attaches to it", async () => {
    const name = `src-attach-${RUN}`;
    await applySloSpecs(engineer, meta, [spec(name)]);
    const slo = await prisma.slo.findUniqueOrThrow({ where: { name } });
    await writeTraffic(slo.id, NOW - 12 * MINUTE, NOW, 1000, 0.02);
    const round = await evaluateSlos(new Date(NOW));
    const number = round!.incidentsOpened[0]!;
    const body = notification("firing-slo-burn", (a) => {
      (a.labels as Record<string, string>).slo = name;
    });
    const res = (await (await post(alertToken, body)).json()) as {
      alerts: { outcome: string; incident: number }[];
    };
    expect(res.alerts[0]).toMatchObject({ outcome: "attached", incident: number });
    expect(await prisma.incident.count({ where: { linkedSlos: { has: name } } })).toBe(1);
  });
});

describe("links out on an incident", () => {
  it("keeps an alert's source and runbook, and the incident shows them beside its models' links", async () => {
    const link = await addLink(
      admin,
      meta,
      addLinkSchema.parse({
        subjectKind: "model",
        subject: "assistant-llm-70b",
        label: `Dashboard ${RUN}`,
        urlTemplate: "https://grafana.example.com/d/serving?var-model={model}&var-region={region}",
      }),
    );
    // the same link twice is one; another URL under the same label is refused
    expect(
      await addLink(
        admin,
        meta,
        addLinkSchema.parse({
          subjectKind: "model",
          subject: "assistant-llm-70b",
          label: `Dashboard ${RUN}`,
          urlTemplate:
            "https://grafana.example.com/d/serving?var-model={model}&var-region={region}",
        }),
      ),
    ).toEqual({ id: link.id, created: false });
    // the ranking team's engineer may not change the assistant team's model links
    await expect(
      addLink(
        engineer,
        meta,
        addLinkSchema.parse({
          subjectKind: "model",
          subject: "assistant-llm-70b",
          label: "Mine",
          urlTemplate: "https://x.example.com/{model}",
        }),
      ),
    ).rejects.toThrow();

    const body = notification("firing-grouped-by-region", (a) => {
      a.fingerprint = `links-${String(a.fingerprint)}`;
      a.generatorURL = "http://prometheus.monitoring.svc:9090/graph?g0.expr=up";
      a.annotations = {
        ...(a.annotations as Record<string, string>),
        runbook_url: "https://runbooks.example.com/gpu-xid",
      };
    });
    body.alerts.splice(1);
    (body.alerts[0] as unknown as Record<string, unknown>).generatorURL = "javascript:alert(1)";
    const res = await post(assistantToken, body);
    const { alerts } = (await res.json()) as { alerts: { incident: number }[] };
    const incident = await getIncident(admin, alerts[0]!.incident);
    expect(incident.alerts).toEqual([
      expect.objectContaining({
        generatorUrl: null,
        runbookUrl: "https://runbooks.example.com/gpu-xid",
      }),
    ]);
    expect(incident.links).toEqual([
      {
        key: expect.any(String),
        label: `assistant-llm-70b Dashboard ${RUN} (eu-west-1)`,
        url: "https://grafana.example.com/d/serving?var-model=assistant-llm-70b&var-region=eu-west-1",
      },
    ]);
    expect(await removeLink(admin, meta, { linkId: link.id })).toEqual({ removed: true });
    expect((await getIncident(admin, alerts[0]!.incident)).links).toEqual([]);
  });
});
