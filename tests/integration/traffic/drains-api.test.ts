// Drains over HTTP: POST /api/v1/drains, GET /api/v1/drains[/{id}] and POST /api/v1/drains/{id}
// run the Regions page's drain services (start, pause, resume, undrain) for automation holding a
// team's token, with the same permission, team rule, version check, idempotency and audit.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock, dayAfterSeedAt } from "../../support/clock";
import { createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { trafficManager } from "@/server/fleet/platform";
import { driveDrains } from "@/server/traffic/engine";
import type { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import { openApiDocument } from "@/app/api/v1/openapi.json/operations";
import * as drainsRoute from "@/app/api/v1/drains/route";
import * as drainRoute from "@/app/api/v1/drains/[id]/route";

const prisma = connectTestDatabase();
// The simulated fleet follows the time of day: the plans these tests expect are those of one
// fixed morning (08:00 UTC), whatever day and hour the suite runs.
const time = movableTestClock(dayAfterSeedAt(8));
const ORIGIN = "http://localhost:3000";
/** query-embedder is the ranking team's, and serves us-east-1, us-west-2 and eu-west-1. */
const MODEL = "query-embedder";
const REGION = "eu-west-1";

type TokenScope = (typeof TOKEN_SCOPES)[number];

const users = { engineer: "", viewer: "", otherEngineer: "" };
const tokens = { ranking: "", rankingReadOnly: "", rankingShiftOnly: "", otherTeam: "" };
let seq = 0;

beforeAll(async () => {
  requestContext.userId = null;
  await resetSimulatorFleet();
  const stamp = Date.now().toString(36);
  const ranking = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const trust = await prisma.team.findUniqueOrThrow({ where: { slug: "trust-safety" } });
  const user = async (name: string, role: "admin" | "engineer" | "viewer", teamId: string | null) =>
    (
      await prisma.user.create({
        data: { email: `${name}-${stamp}@drains-api.test`, name, role, teamId },
      })
    ).id;
  const admin = (await loadUserActor(await user("admin", "admin", null))) as Actor;
  users.engineer = await user("engineer", "engineer", ranking.id);
  users.viewer = await user("viewer", "viewer", ranking.id);
  users.otherEngineer = await user("other-engineer", "engineer", trust.id);
  const mint = async (name: string, teamId: string, scopes: TokenScope[]) =>
    (
      await createToken(
        admin,
        { requestId: "setup", clientIp: null },
        { name: `${name}-${stamp}`, teamId, scopes, expiresInDays: 30 },
      )
    ).secret;
  tokens.ranking = await mint("ranking-drains", ranking.id, ["fleet.read", "traffic.shift"]);
  tokens.rankingReadOnly = await mint("ranking-read", ranking.id, ["fleet.read"]);
  tokens.rankingShiftOnly = await mint("ranking-shift", ranking.id, ["traffic.shift"]);
  tokens.otherTeam = await mint("trust-drains", trust.id, ["fleet.read", "traffic.shift"]);
});
afterAll(async () => {
  requestContext.userId = null;
  await prisma.$disconnect();
});

/** Who calls: a token's secret, a signed-in user's id, or nobody. */
type Caller = { token: string } | { user: string } | "anonymous";

function request(caller: Caller, method: string, path: string, body?: unknown) {
  requestContext.userId = typeof caller === "object" && "user" in caller ? caller.user : null;
  const headers: Record<string, string> =
    typeof caller === "object" && "token" in caller
      ? { authorization: `Bearer ${caller.token}` }
      : { origin: ORIGIN };
  if (body !== undefined) headers["content-type"] = "application/json";
  return new NextRequest(`${ORIGIN}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

const noParams = { params: Promise.resolve({}) };
const idParams = (id: string) => ({ params: Promise.resolve({ id }) });

const start = (caller: Caller, body: unknown) =>
  drainsRoute.POST(request(caller, "POST", "/api/v1/drains", body), noParams);
const read = (caller: Caller, id: string) =>
  drainRoute.GET(request(caller, "GET", `/api/v1/drains/${id}`), idParams(id));
const list = (caller: Caller) =>
  drainsRoute.GET(request(caller, "GET", "/api/v1/drains"), noParams);
const command = (caller: Caller, id: string, body: unknown) =>
  drainRoute.POST(request(caller, "POST", `/api/v1/drains/${id}`, body), idParams(id));

interface DrainBody {
  id: string;
  region: string;
  kind: string;
  phase: string;
  paused: boolean;
  version: number;
  createdBy: string;
  headroom: number;
  steps: number[];
  canAct: boolean;
  plan: { model: string; verdict: string }[];
  events: { kind: string; actor: string | null }[];
  alreadyRunning?: boolean;
  changed?: boolean;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string>; requestId: string };
}

const json = async <T>(res: Response) => (await res.json()) as T;

function drainInput(reason: string, extra: Record<string, unknown> = {}) {
  return {
    region: REGION,
    scope: "model",
    name: MODEL,
    headroom: 0,
    steps: [50, 100],
    stepSeconds: 60,
    acknowledge: true,
    reason,
    ...extra,
  };
}

const reasonOf = (what: string) => `api test: ${what} ${seq++}`;

const drainRow = (id: string) =>
  prisma.regionDrain.findUniqueOrThrow({
    where: { id },
    select: { phase: true, paused: true, version: true },
  });

/** Runs the drain engine, moving the test clock, until the drain reaches `phase`. */
async function driveUntil(id: string, phase: string) {
  for (let i = 0; i < 400; i++) {
    await driveDrains();
    const row = await prisma.regionDrain.findUniqueOrThrow({
      where: { id },
      select: { phase: true, paused: true, pauseReason: true },
    });
    if (row.phase === phase) return;
    if (row.paused) throw new Error(`drain ${id} paused: ${row.pauseReason}`);
    time.advance(5_000);
  }
  throw new Error(`drain ${id} did not reach ${phase}`);
}

async function dialsOf(model: string) {
  const manager = trafficManager();
  if (!manager) throw new Error("no traffic manager");
  const d = (await manager.dials()).data.find((x) => x.model === model);
  if (!d) throw new Error(`no dials for ${model}`);
  return d.dials;
}

/** Undrains a drain as the ranking token and waits for the traffic to be back. */
async function undrainFully(id: string) {
  const { version } = await drainRow(id);
  const res = await command({ token: tokens.ranking }, id, {
    command: "undrain",
    expectedVersion: version,
  });
  expect(res.status).toBe(200);
  await driveUntil(id, "undrained");
}

describe("a team's token drains its model over the API", () => {
  it("starts, reads, pauses, resumes and undrains, each audited once", async () => {
    const caller = { token: tokens.ranking };
    const reason = reasonOf("maintenance");
    const started = await start(caller, drainInput(reason));
    expect(started.status).toBe(201);
    const drain = await json<DrainBody>(started);
    expect(started.headers.get("location")).toBe(`/api/v1/drains/${drain.id}`);
    expect(drain).toMatchObject({
      region: REGION,
      kind: "drain",
      phase: "draining",
      paused: false,
      headroom: 0,
      steps: [50, 100],
      canAct: true,
      alreadyRunning: false,
      createdBy: expect.stringMatching(/^token:ranking-drains-/),
    });
    expect(drain.plan.map((m) => m.model)).toEqual([MODEL]);
    // what the OpenAPI document publishes, key for key
    const published = openApiDocument().components.schemas.DrainStarted;
    expect(Object.keys(drain).sort()).toEqual(Object.keys(published?.properties ?? {}).sort());
    expect(drain.events.map((e) => e.kind)).toEqual(["started"]);
    const audited = (action: string) =>
      prisma.auditEvent.count({ where: { action, targetId: drain.id, outcome: "allowed" } });
    expect(await audited("traffic.drain")).toBe(1);

    // A retry, or a double click: the same drain, started once.
    const again = await start(caller, drainInput(reason));
    expect(again.status).toBe(200);
    expect(await json<DrainBody>(again)).toMatchObject({ id: drain.id, alreadyRunning: true });
    expect(await prisma.regionDrain.count({ where: { region: REGION } })).toBe(1);
    expect(await audited("traffic.drain")).toBe(1);

    const got = await read(caller, drain.id);
    expect(got.status).toBe(200);
    expect(await json<DrainBody>(got)).toMatchObject({ id: drain.id, version: drain.version });
    const listed = await json<{ drains: { id: string; phase: string }[] }>(await list(caller));
    expect(listed.drains).toContainEqual(
      expect.objectContaining({ id: drain.id, phase: "draining" }),
    );

    const paused = await command(caller, drain.id, {
      command: "pause",
      expectedVersion: drain.version,
      reason: "checking the receiving region",
    });
    expect(paused.status).toBe(200);
    const afterPause = await json<DrainBody>(paused);
    expect(afterPause).toMatchObject({ paused: true, changed: true, version: drain.version + 1 });
    // Repeating the pause (a retry after a lost answer) changes nothing, even on the old version.
    const repeated = await command(caller, drain.id, {
      command: "pause",
      expectedVersion: drain.version,
    });
    expect(repeated.status).toBe(200);
    expect(await json<DrainBody>(repeated)).toMatchObject({
      changed: false,
      version: afterPause.version,
    });
    expect(await audited("traffic.pause")).toBe(1);

    const resumed = await command(caller, drain.id, {
      command: "resume",
      expectedVersion: afterPause.version,
    });
    expect(resumed.status).toBe(200);
    const afterResume = await json<DrainBody>(resumed);
    expect(afterResume).toMatchObject({ paused: false, changed: true });
    expect(await audited("traffic.resume")).toBe(1);

    // The engine moves the traffic; then the API undrains and the traffic comes back.
    await driveUntil(drain.id, "drained");
    expect((await dialsOf(MODEL))[REGION]).toBe(0);
    const drained = await json<DrainBody>(await read(caller, drain.id));
    const undrained = await command(caller, drain.id, {
      command: "undrain",
      expectedVersion: drained.version,
    });
    expect(undrained.status).toBe(200);
    expect(await json<DrainBody>(undrained)).toMatchObject({ phase: "undraining", changed: true });
    expect(await audited("traffic.undrain")).toBe(1);
    await driveUntil(drain.id, "undrained");
    expect((await dialsOf(MODEL))[REGION]).toBe(100);
  });
});

describe("refusals change nothing", () => {
  it("refuses a command decided on an old version (409)", async () => {
    const caller = { token: tokens.ranking };
    const drain = await json<DrainBody>(await start(caller, drainInput(reasonOf("stale"))));
    const paused = await json<DrainBody>(
      await command(caller, drain.id, { command: "pause", expectedVersion: drain.version }),
    );
    const before = await drainRow(drain.id);
    // Someone paused it meanwhile: an undrain decided on what they saw before is refused.
    const stale = await command(caller, drain.id, {
      command: "undrain",
      expectedVersion: drain.version,
    });
    expect(stale.status).toBe(409);
    const error = await json<ErrorBody>(stale);
    expect(error.error.code).toBe("CONFLICT");
    expect(error.error.message).toMatch(/changed since you loaded it/);
    expect(error.error.requestId).toBeTruthy();
    expect(await drainRow(drain.id)).toEqual(before);
    expect(paused.version).toBe(before.version);
    await undrainFully(drain.id);
  });

  it("refuses another team's model (403), to its token and its engineers, and audits it", async () => {
    const reason = reasonOf("other team");
    const denials = () =>
      prisma.auditEvent.count({ where: { action: "traffic.drain", outcome: "denied" } });
    const deniedBefore = await denials();
    for (const caller of [{ token: tokens.otherTeam }, { user: users.otherEngineer }]) {
      const res = await start(caller, drainInput(reason));
      expect(res.status).toBe(403);
      expect((await json<ErrorBody>(res)).error.message).toMatch(/another team/);
    }
    expect(await prisma.regionDrain.count({ where: { reason } })).toBe(0);
    expect(await denials()).toBe(deniedBefore + 2);

    // Nor may they act on the team's drain.
    const drain = await json<DrainBody>(
      await start({ token: tokens.ranking }, drainInput(reasonOf("owned"))),
    );
    const before = await drainRow(drain.id);
    for (const caller of [{ token: tokens.otherTeam }, { user: users.otherEngineer }]) {
      const res = await command(caller, drain.id, {
        command: "undrain",
        expectedVersion: drain.version,
      });
      expect(res.status).toBe(403);
      // They may read it, and are told they cannot act on it.
      expect(await json<DrainBody>(await read(caller, drain.id))).toMatchObject({ canAct: false });
    }
    expect(await drainRow(drain.id)).toEqual(before);
    await undrainFully(drain.id);
  });

  it("refuses a viewer, tokens without both scopes and a caller without credentials", async () => {
    const reason = reasonOf("refused callers");
    const refused: [Caller, number][] = [
      [{ user: users.viewer }, 403],
      [{ token: tokens.rankingReadOnly }, 403],
      // it may act, but not read back what it did: refused before anything runs
      [{ token: tokens.rankingShiftOnly }, 403],
      ["anonymous", 401],
    ];
    for (const [caller, status] of refused) {
      expect((await start(caller, drainInput(reason))).status).toBe(status);
    }
    expect(await prisma.regionDrain.count({ where: { reason } })).toBe(0);

    const drain = await json<DrainBody>(
      await start({ user: users.engineer }, drainInput(reasonOf("session"))),
    );
    expect(drain.createdBy).toMatch(/^engineer-.*@drains-api\.test$/);
    const before = await drainRow(drain.id);
    for (const [caller, status] of refused) {
      const res = await command(caller, drain.id, {
        command: "pause",
        expectedVersion: drain.version,
      });
      expect(res.status).toBe(status);
    }
    expect(await drainRow(drain.id)).toEqual(before);
    // A viewer reads drains; nobody reads them without credentials.
    expect((await read({ user: users.viewer }, drain.id)).status).toBe(200);
    expect((await read("anonymous", drain.id)).status).toBe(401);
    expect((await list("anonymous")).status).toBe(401);
    await undrainFully(drain.id);
  });

  it.each([
    ["no reason", { reason: undefined }, "reason"],
    ["a model scope without a name", { name: undefined }, "name"],
    ["headroom over 90%", { headroom: 95 }, "headroom"],
    ["steps that do not end at 100%", { steps: [50, 80] }, "steps"],
    ["a malformed region", { region: "EU West" }, "region"],
    ["an unknown kind", { kind: "evacuate" }, "kind"],
  ] as const)("refuses %s (422 naming the field)", async (_what, change, field) => {
    const reason = reasonOf("invalid");
    const res = await start({ token: tokens.ranking }, { ...drainInput(reason), ...change });
    expect(res.status).toBe(422);
    const error = await json<ErrorBody>(res);
    expect(error.error.code).toBe("INVALID_INPUT");
    expect(Object.keys(error.error.fields ?? {})).toContain(field);
    expect(
      await prisma.regionDrain.count({ where: { region: REGION, phase: { not: "undrained" } } }),
    ).toBe(0);
  });

  it("refuses a body that is not JSON, and an unacknowledged tight model (422)", async () => {
    const notJson = await start({ token: tokens.ranking }, "{not json");
    expect(notJson.status).toBe(422);
    expect((await json<ErrorBody>(notJson)).error.message).toMatch(/JSON/);
    // ranker-xl out of us-east-1 is tight: the caller must say they saw it.
    const reason = reasonOf("tight");
    const tight = await start(
      { token: tokens.ranking },
      drainInput(reason, {
        region: "us-east-1",
        name: "ranker-xl",
        headroom: 20,
        acknowledge: false,
      }),
    );
    expect(tight.status).toBe(422);
    expect((await json<ErrorBody>(tight)).error.message).toMatch(/tight.*confirm/);
    expect(await prisma.regionDrain.count({ where: { reason } })).toBe(0);
  });

  it("refuses a malformed command (422) and an unknown drain (404), changing nothing", async () => {
    const caller = { token: tokens.ranking };
    const drain = await json<DrainBody>(await start(caller, drainInput(reasonOf("commands"))));
    const before = await drainRow(drain.id);
    for (const [body, field] of [
      [{ command: "stop", expectedVersion: drain.version }, "command"],
      [{ command: "pause", expectedVersion: 0 }, "expectedVersion"],
      [{ command: "pause" }, "expectedVersion"],
      [{ command: "pause", expectedVersion: drain.version, reason: "x".repeat(301) }, "reason"],
    ] as const) {
      const res = await command(caller, drain.id, body);
      expect(res.status).toBe(422);
      expect(Object.keys((await json<ErrorBody>(res)).error.fields ?? {})).toEqual([field]);
    }
    expect(await drainRow(drain.id)).toEqual(before);

    const unknown = await command(caller, "no-such-drain", {
      command: "pause",
      expectedVersion: 1,
    });
    expect(unknown.status).toBe(404);
    expect((await json<ErrorBody>(unknown)).error.code).toBe("NOT_FOUND");
    const unread = await read(caller, "no-such-drain");
    expect(unread.status).toBe(404);
    expect((await json<ErrorBody>(unread)).error.message).toContain("no-such-drain");
    expect((await read(caller, "x".repeat(65))).status).toBe(422);

    // Another drain of the region while this one is open: a conflict, not a second drain.
    const other = await start(caller, drainInput(reasonOf("second"), { kind: "failover" }));
    expect(other.status).toBe(409);
    expect((await json<ErrorBody>(other)).error.message).toMatch(/already has a drain/);
    expect(
      await prisma.regionDrain.count({ where: { region: REGION, phase: { not: "undrained" } } }),
    ).toBe(1);
    await undrainFully(drain.id);
  });
});
