// Path and query parameters that the input fuzzing scenario (tests/reliability/scenarios/fuzz.ts)
// found refused without saying which one was wrong: `fields: { _: … }` or a message about
// filters. Each refusal now names the parameter (or the value that names nothing).
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import * as sloRoute from "@/app/api/v1/slos/[name]/route";
import * as burnRateRoute from "@/app/api/v1/slos/[name]/burn-rate/route";
import * as rulesRoute from "@/app/api/v1/slos/[name]/rules/route";
import * as promotionRoute from "@/app/api/v1/promotions/[number]/route";
import * as auditRoute from "@/app/api/v1/audit/route";
import * as slosRoute from "@/app/api/v1/slos/route";

const prisma = connectTestDatabase();
const ORIGIN = "http://localhost:3000";
let sloName = "";

beforeAll(async () => {
  const admin = await prisma.user.create({
    data: { email: `admin-${Date.now()}@parameter-errors.test`, name: "Admin", role: "admin" },
  });
  requestContext.userId = admin.id;
  sloName = (await prisma.slo.findFirstOrThrow({ select: { name: true } })).name;
});
afterAll(async () => {
  requestContext.userId = null;
  await prisma.$disconnect();
});

const request = (method: string, path: string) =>
  new NextRequest(`${ORIGIN}${path}`, { method, headers: { origin: ORIGIN } });

interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

async function refusal(res: Response): Promise<ErrorBody["error"]> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  return ((await res.json()) as ErrorBody).error;
}

describe("DELETE /api/v1/slos/{name}", () => {
  const del = (query: string) =>
    sloRoute.DELETE(request("DELETE", `/api/v1/slos/${sloName}${query}`), {
      params: Promise.resolve({ name: sloName }),
    });

  it.each([
    "",
    "?version=abc",
    "?version=%5B1%2C2%5D",
    "?version=0",
    "?version=1.5",
    "?version=1e%2B308",
  ])("names `version` when it is missing or malformed (%s), and deletes nothing", async (query) => {
    const error = await refusal(await del(query));
    expect(error.code).toBe("INVALID_INPUT");
    expect(Object.keys(error.fields ?? {})).toEqual(["version"]);
    expect(await prisma.slo.count({ where: { name: sloName } })).toBe(1);
  });

  it("names `overrideReason` when it is too long", async () => {
    const error = await refusal(await del(`?version=1&overrideReason=${"x".repeat(501)}`));
    expect(Object.keys(error.fields ?? {})).toEqual(["overrideReason"]);
  });
});

describe("GET /api/v1/slos/{name}/burn-rate", () => {
  it.each(["5x", "1m,,2h", "999d", "🙂"])("names `windows` for %s", async (windows) => {
    const res = await burnRateRoute.GET(
      request("GET", `/api/v1/slos/${sloName}/burn-rate?windows=${encodeURIComponent(windows)}`),
      { params: Promise.resolve({ name: sloName }) },
    );
    const error = await refusal(res);
    expect(Object.keys(error.fields ?? {})).toEqual(["windows"]);
  });
});

describe("GET /api/v1/promotions/{number}", () => {
  it.each(["abc", "-1", "1.5", "99999999999999999999"])("names `number` for %s", async (n) => {
    const res = await promotionRoute.GET(request("GET", `/api/v1/promotions/${n}`), {
      params: Promise.resolve({ number: n }),
    });
    const error = await refusal(res);
    expect(error.code === "NOT_FOUND" || Object.keys(error.fields ?? {})[0] === "number").toBe(
      true,
    );
  });
});

describe("GET /api/v1/slos/{name}/rules", () => {
  it("says which SLO does not exist", async () => {
    const res = await rulesRoute.GET(request("GET", "/api/v1/slos/no-such-slo/rules"), {
      params: Promise.resolve({ name: "no-such-slo" }),
    });
    const error = await refusal(res);
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("no-such-slo");
  });
});

describe("GET /api/v1/audit", () => {
  // The fuzzing scenario's `page=1e+308` reached the query as an offset PostgreSQL cannot hold.
  it.each(["1e+308", "1.5", "0", "-2", "abc", "100001"])("names `page` for %s", async (page) => {
    const res = await auditRoute.GET(
      request("GET", `/api/v1/audit?page=${encodeURIComponent(page)}`),
      { params: Promise.resolve({}) },
    );
    const error = await refusal(res);
    expect(error.code).toBe("INVALID_INPUT");
    expect(Object.keys(error.fields ?? {})).toEqual(["page"]);
  });

  it("reads a well-formed page", async () => {
    const res = await auditRoute.GET(request("GET", "/api/v1/audit?page=1"), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { page: number }).page).toBe(1);
  });
});

// PostgreSQL text cannot hold NUL: a parameter or body string with one failed the query it
// reached, and the API answered 500.
describe("NUL characters", () => {
  it("in a path parameter: 422 naming it", async () => {
    const res = await sloRoute.GET(request("GET", "/api/v1/slos/a%00b"), {
      params: Promise.resolve({ name: "a\u0000b" }),
    });
    const error = await refusal(res);
    expect(Object.keys(error.fields ?? {})).toEqual(["name"]);
  });

  it("in a query parameter: 422 naming it", async () => {
    const res = await auditRoute.GET(request("GET", "/api/v1/audit?actor=%00"), {
      params: Promise.resolve({}),
    });
    const error = await refusal(res);
    expect(Object.keys(error.fields ?? {})).toEqual(["actor"]);
  });

  it("in a JSON body: 422 naming the field, and nothing created", async () => {
    const before = await prisma.slo.count();
    const res = await slosRoute.POST(
      new NextRequest(`${ORIGIN}/api/v1/slos`, {
        method: "POST",
        headers: { origin: ORIGIN, "content-type": "application/json" },
        body: JSON.stringify({ name: "nul-slo", displayName: "a\u0000b", alerts: [] }),
      }),
      { params: Promise.resolve({}) },
    );
    const error = await refusal(res);
    expect(Object.keys(error.fields ?? {})).toEqual(["displayName"]);
    expect(await prisma.slo.count()).toBe(before);
  });
});

describe("a path segment that is not UTF-8 (%ED%A0%80)", () => {
  it("is refused with 422, not a 500", async () => {
    const res = await sloRoute.GET(request("GET", "/api/v1/slos/%ED%A0%80"), {
      params: Promise.reject(new URIError("URI malformed")),
    });
    const error = await refusal(res);
    expect(Object.keys(error.fields ?? {})).toEqual(["path"]);
  });
});
