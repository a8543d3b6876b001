// Training over HTTP: GET /api/v1/training and GET /api/v1/training/{name} answer what the
// Training page and a job's page show, to a token with the read scope.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import * as listRoute from "@/app/api/v1/training/route";
import * as jobRoute from "@/app/api/v1/training/[name]/route";

const prisma = connectTestDatabase();
const ORIGIN = "http://localhost:3000";
let token = "";
let viewerId = "";

beforeAll(async () => {
  requestContext.userId = null;
  const stamp = Date.now().toString(36);
  const a = await prisma.user.create({
    data: { email: `admin-${stamp}@training-api.test`, name: "Admin", role: "admin" },
  });
  viewerId = (
    await prisma.user.create({
      data: { email: `viewer-${stamp}@training-api.test`, name: "Viewer", role: "viewer" },
    })
  ).id;
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  token = (
    await createToken(
      (await loadUserActor(a.id)) as Actor,
      { requestId: "setup", clientIp: null },
      { name: `training-read-${stamp}`, teamId: team.id, scopes: ["fleet.read"], expiresInDays: 1 },
    )
  ).secret;
});
afterAll(async () => {
  requestContext.userId = null;
  await prisma.$disconnect();
});

const headers = (auth: boolean): Record<string, string> =>
  auth ? { authorization: `Bearer ${token}` } : {};

const list = (query = "", auth = true) =>
  listRoute.GET(new NextRequest(`${ORIGIN}/api/v1/training${query}`, { headers: headers(auth) }), {
    params: Promise.resolve({}),
  });

const job = (name: string, auth = true) =>
  jobRoute.GET(
    new NextRequest(`${ORIGIN}/api/v1/training/${encodeURIComponent(name)}`, {
      headers: headers(auth),
    }),
    { params: Promise.resolve({ name }) },
  );

interface PageBody {
  rows: { name: string; cluster: string; status: string; stepsDone: number; canResume: boolean }[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

describe("GET /api/v1/training", () => {
  it("lists every job, newest first, 20 per page", async () => {
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toMatch(/no-store/);
    const body = (await res.json()) as PageBody;
    const total = await prisma.trainingJob.count();
    expect(total).toBeGreaterThan(0);
    expect(body).toMatchObject({ total, page: 1, pageSize: 20 });
    expect(body.rows.length).toBe(Math.min(20, total));
    const newest = await prisma.trainingJob.findFirstOrThrow({
      orderBy: [{ startedAt: "desc" }, { name: "asc" }],
    });
    expect(body.rows[0]).toMatchObject({ name: newest.name, stepsDone: newest.stepsDone });
    // read-only callers are told they may not resume
    expect(body.rows.every((r) => r.canResume === false)).toBe(true);
  });

  it("filters by region as the Training page does, and pages", async () => {
    const region = await prisma.region.findFirstOrThrow({
      where: { clusters: { some: { trainingJobs: { some: {} } } } },
      select: { code: true },
    });
    const body = (await (await list(`?region=${region.code}`)).json()) as PageBody;
    const clusters = await prisma.cluster.findMany({
      where: { region: { code: region.code } },
      select: { name: true },
    });
    expect(body.total).toBe(
      await prisma.trainingJob.count({ where: { cluster: { region: { code: region.code } } } }),
    );
    for (const r of body.rows) expect(clusters.map((c) => c.name)).toContain(r.cluster);
    const none = (await (await list("?region=nowhere-1")).json()) as PageBody;
    expect(none.total).toBe(0);

    const total = await prisma.trainingJob.count();
    const last = (await (await list("?page=999")).json()) as PageBody;
    // a page past the end answers the last one, as the page's pagination does
    expect(last.page).toBe(Math.max(1, Math.ceil(total / 20)));
  });

  it.each([
    ["?region=EU%20West", "region"],
    ["?page=0", "page"],
    ["?page=abc", "page"],
    ["?page=1.5", "page"],
  ])("refuses a malformed query %s with 422 naming it", async (query, field) => {
    const res = await list(query);
    expect(res.status).toBe(422);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("INVALID_INPUT");
    expect(Object.keys(body.error.fields ?? {})).toEqual([field]);
  });

  it("refuses a caller without credentials (401), and answers a signed-in viewer", async () => {
    const res = await list("", false);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/Bearer/);
    requestContext.userId = viewerId;
    try {
      expect((await list("", false)).status).toBe(200);
    } finally {
      requestContext.userId = null;
    }
  });
});

describe("GET /api/v1/training/{name}", () => {
  it("answers a job's page: progress, checkpoints, interruptions with their cost, goodput and advice", async () => {
    // the job with the most interruptions, so there is something to cost
    const [top] = await prisma.trainingInterruption.groupBy({
      by: ["trainingJobId"],
      _count: { _all: true },
      orderBy: { _count: { trainingJobId: "desc" } },
      take: 1,
    });
    const row = await prisma.trainingJob.findUniqueOrThrow({
      where: { id: top?.trainingJobId ?? "" },
      include: { _count: { select: { checkpoints: true, interruptions: true } } },
    });
    const res = await job(row.name);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      name: string;
      stepsDone: number;
      stepsTotal: number;
      checkpointCount: number;
      checkpoints: { step: number }[];
      interruptionCount: number;
      interruptions: { cause: string; gpuHoursLost: number }[];
      reliability: { goodput: Record<string, number>; advice: { kind: string } };
    };
    expect(body).toMatchObject({
      name: row.name,
      stepsDone: row.stepsDone,
      stepsTotal: row.stepsTotal,
      checkpointCount: row._count.checkpoints,
      interruptionCount: row._count.interruptions,
    });
    expect(body.interruptions.length).toBe(Math.min(100, row._count.interruptions));
    expect(body.interruptions.length).toBeGreaterThan(0);
    for (const i of body.interruptions) {
      expect(typeof i.cause).toBe("string");
      expect(i.gpuHoursLost).toBeGreaterThanOrEqual(0);
    }
    // newest checkpoint first
    const steps = body.checkpoints.map((c) => c.step);
    expect(steps).toEqual([...steps].sort((a, b) => b - a));
    expect(Object.keys(body.reliability.goodput).length).toBeGreaterThan(0);
    expect(["advice", "not_enough_data"]).toContain(body.reliability.advice.kind);
  });

  it("answers 404 for an unknown job, naming it, and 422 for a name too long", async () => {
    const res = await job("no-such-job");
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toContain("no-such-job");
    const long = await job("x".repeat(254));
    expect(long.status).toBe(422);
    expect(Object.keys(((await long.json()) as ErrorBody).error.fields ?? {})).toEqual(["name"]);
  });

  it("refuses a caller without credentials (401)", async () => {
    const any = await prisma.trainingJob.findFirstOrThrow({ select: { name: true } });
    expect((await job(any.name, false)).status).toBe(401);
  });
});
