// The command palette's search against the seeded demo fleet: typo-tolerant names, numbers,
// versions, only the actions each person may take, and the API route around it.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { actor } from "../../support/actors";
import { search } from "@/server/navigation/search";
import { createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { GET } from "@/app/api/v1/search/route";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const viewer = actor("viewer");
const admin = actor("admin");

let token = "";
beforeAll(async () => {
  requestContext.userId = null;
  const a = await prisma.user.create({
    data: { email: `admin-${Date.now()}@search.test`, name: "Admin", role: "admin" },
  });
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  token = (
    await createToken(
      (await loadUserActor(a.id)) as Actor,
      { requestId: "t", clientIp: null },
      {
        name: "palette-read",
        teamId: team.id,
        scopes: ["fleet.read"],
        expiresInDays: 30,
      },
    )
  ).secret;
});

describe("search", () => {
  it("finds a model by its name with a typo, the closest first", async () => {
    const results = await search(viewer, "rankr-xl");
    const models = results.filter((r) => r.kind === "model");
    expect(models[0]).toMatchObject({ title: "ranker-xl", href: "/models/ranker-xl" });
  });

  it("finds an incident by number, with or without #, first", async () => {
    const incident = await prisma.incident.findFirstOrThrow({ orderBy: { number: "desc" } });
    for (const q of [`${incident.number}`, `#${incident.number}`]) {
      const results = await search(viewer, q);
      const first = results.find((r) => r.kind === "incident");
      expect(first?.key).toBe(`incident:${incident.number}`);
      expect(first?.href).toBe(`/incidents/${incident.number}`);
    }
  });

  it("finds incidents by their title, the closest first, and by a word of it", async () => {
    const incident = await prisma.incident.findFirstOrThrow({ orderBy: { number: "asc" } });
    const results = await search(viewer, incident.title);
    // seeded titles repeat (the same cause in another region): the exact title comes first
    const first = results.find((r) => r.kind === "incident");
    expect(first?.title.replace(/^#\d+ /, "")).toBe(incident.title);
    const word = incident.title.split(/\s+/).find((w) => w.length >= 5) as string;
    expect((await search(viewer, word)).some((r) => r.kind === "incident")).toBe(true);
  });

  it("offers the lifecycle steps of an open incident to those who work incidents only", async () => {
    const open = await prisma.incident.update({
      where: {
        number: (await prisma.incident.findFirstOrThrow({ orderBy: { number: "asc" } })).number,
      },
      data: {
        status: "triage",
        acknowledgedAt: null,
        mitigatedAt: null,
        resolvedAt: null,
        closedAt: null,
      },
    });
    const engineer = (await search(actor("engineer"), `#${open.number}`)).find(
      (r) => r.key === `incident:${open.number}`,
    );
    expect(engineer?.actions.map((a) => a.label)).toEqual([
      `Acknowledge incident #${open.number}`,
      `Mark incident #${open.number} investigating`,
      `Mark incident #${open.number} mitigated`,
      `What changed before incident #${open.number}?`,
    ]);
    expect(engineer?.actions[0]?.href).toBe(`/incidents/${open.number}?act=acknowledge`);
    const seen = (await search(viewer, `#${open.number}`)).find(
      (r) => r.key === `incident:${open.number}`,
    );
    // a viewer may look at what changed, and do nothing else
    expect(seen?.actions.map((a) => a.href)).toEqual([`/incidents/${open.number}#what-changed`]);
  });

  it("offers a rollout's commands to its own team's engineers and admins, not to others", async () => {
    const r = await prisma.rollout.findFirstOrThrow({
      where: { kind: "rollout", steps: { some: {} } },
      include: { model: true, toVersion: true, environment: true },
      orderBy: { createdAt: "desc" },
    });
    await prisma.rollout.update({
      where: { id: r.id },
      data: { status: "progressing", currentStep: 0, currentWeight: 10 },
    });
    const q = `${r.model.name} ${r.toVersion.version}`;
    const forActor = async (a: Actor) =>
      (await search(a, q)).find((x) => x.key === `rollout:${r.id}`);
    const own = await forActor(actor("engineer", r.model.teamId));
    expect(own?.title).toBe(
      `Rollout of ${r.model.name} ${r.toVersion.version} in ${r.environment.name}`,
    );
    const labels = own?.actions.map((a) => a.label) ?? [];
    expect(labels).toContain(
      `Abort rollout of ${r.model.name} ${r.toVersion.version} in ${r.environment.name}`,
    );
    expect(labels).toContain(
      `Pause rollout of ${r.model.name} ${r.toVersion.version} in ${r.environment.name}`,
    );
    expect(labels.some((l) => l.startsWith("Resume"))).toBe(false); // not paused
    const abort = own?.actions.find((a) => a.label.startsWith("Abort"));
    expect(abort).toMatchObject({ href: `/rollouts/${r.id}?act=abort`, destructive: true });
    expect((await forActor(admin))?.actions.length).toBeGreaterThan(0);
    const other = await prisma.team.findFirstOrThrow({ where: { id: { not: r.model.teamId } } });
    expect((await forActor(actor("engineer", other.id)))?.actions).toEqual([]);
    expect((await forActor(viewer))?.actions).toEqual([]);
  });

  it("finds a model's versions by version prefix, only that model's when named", async () => {
    const v = await prisma.modelVersion.findFirstOrThrow({
      where: { model: { name: "ranker-xl" } },
      orderBy: { createdAt: "desc" },
    });
    const prefix = v.version.split(".").slice(0, 2).join(".");
    const versions = (await search(viewer, `ranker-xl ${prefix}`)).filter(
      (r) => r.kind === "version",
    );
    expect(versions.map((x) => x.key)).toContain(`version:ranker-xl:${v.version}`);
    for (const x of versions) expect(x.title.startsWith(`ranker-xl ${prefix}`)).toBe(true);
  });

  it("finds clusters by name or region, and SLOs by name", async () => {
    const c = await prisma.cluster.findFirstOrThrow({ include: { region: true } });
    expect((await search(viewer, c.name)).find((r) => r.kind === "cluster")?.title).toBe(c.name);
    const byRegion = (await search(viewer, c.region.code)).filter((r) => r.kind === "cluster");
    expect(byRegion.length).toBeGreaterThan(0);
    const slo = await prisma.slo.findFirstOrThrow();
    expect((await search(viewer, slo.name)).find((r) => r.kind === "slo")?.key).toBe(
      `slo:${slo.name}`,
    );
  });

  it("finds a training job by its name, with a typo, and opens its page", async () => {
    const job = await prisma.trainingJob.findFirstOrThrow({
      orderBy: { name: "asc" },
      include: { model: true },
    });
    const first = (await search(viewer, job.name)).find((r) => r.kind === "training");
    expect(first).toMatchObject({
      key: `training:${job.name}`,
      title: job.name,
      href: `/training/${encodeURIComponent(job.name)}`,
      actions: [],
    });
    expect(first?.detail).toContain(job.status);
    expect(first?.detail).toContain(job.model.name);
    // one letter left out of the model's part of the name
    const typo = job.name.replace(job.model.name, job.model.name.slice(0, -1));
    const found = (await search(viewer, typo)).filter((r) => r.kind === "training");
    expect(found.map((r) => r.title)).toContain(job.name);
    // a model's name lists at most five of its jobs, each its own page
    const jobs = (await search(viewer, job.model.name)).filter((r) => r.kind === "training");
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.length).toBeLessThanOrEqual(5);
    for (const r of jobs) expect(r.href).toBe(`/training/${encodeURIComponent(r.title)}`);
    // nothing for a name no job has, and no training job for an incident's number
    expect((await search(viewer, "zzqx-no-such-job")).some((r) => r.kind === "training")).toBe(
      false,
    );
    expect((await search(viewer, "#1")).some((r) => r.kind === "training")).toBe(false);
  });

  it("lists pages the person may open, and no admin page for a viewer", async () => {
    expect((await search(viewer, "incidnets"))[0]).toMatchObject({
      kind: "page",
      href: "/incidents",
    });
    expect((await search(viewer, "users")).some((r) => r.href === "/admin/users")).toBe(false);
    expect((await search(admin, "users")).some((r) => r.href === "/admin/users")).toBe(true);
  });

  it("lists open incidents and rollouts in flight for an empty query", async () => {
    const results = await search(viewer, "  ");
    const incidents = results.filter((r) => r.kind === "incident");
    const open = await prisma.incident.count({
      where: { status: { in: ["triage", "investigating", "mitigated"] } },
    });
    expect(incidents.length).toBe(Math.min(5, open));
    for (const i of incidents) expect(i.detail).toMatch(/triage|investigating|mitigated/);
  });

  it("treats LIKE wildcards and quotes as text", async () => {
    for (const q of ["%", "_", "%%%", "\\", "' OR 1=1 --", "ranker%xl"]) {
      const results = await search(viewer, q);
      expect(results.filter((r) => r.kind === "model").map((r) => r.title)).not.toContain(
        "nonexistent",
      );
      expect(results.filter((r) => r.kind === "model").length).toBeLessThan(
        await prisma.model.count(),
      );
    }
  });

  it("refuses a caller without a role", async () => {
    await expect(search(actor(null), "ranker")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(search(null, "ranker")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("GET /api/v1/search", () => {
  const get = (q: string, auth = true) =>
    GET(
      new NextRequest(`http://localhost:3000/api/v1/search?q=${encodeURIComponent(q)}`, {
        headers: auth ? { authorization: `Bearer ${token}` } : {},
      }),
      { params: Promise.resolve({}) },
    );

  it("answers the results as JSON", async () => {
    const res = await get("ranker-xl");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { kind: string; title: string }[] };
    expect(body.results.some((r) => r.kind === "model" && r.title === "ranker-xl")).toBe(true);
  });

  it("answers training jobs by name", async () => {
    const job = await prisma.trainingJob.findFirstOrThrow({ orderBy: { name: "desc" } });
    const body = (await (await get(job.name)).json()) as {
      results: { kind: string; title: string; href: string }[];
    };
    expect(body.results).toContainEqual(
      expect.objectContaining({
        kind: "training",
        title: job.name,
        href: `/training/${encodeURIComponent(job.name)}`,
      }),
    );
  });

  it("refuses a query that is too long, and a caller without credentials", async () => {
    const long = await get("x".repeat(101));
    expect(long.status).toBe(422);
    expect((await long.json()).error.fields).toHaveProperty("q");
    expect((await get("ranker", false)).status).toBe(401);
  });
});
