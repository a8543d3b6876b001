import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpTrafficHook } from "@/lib/platform/traffic/http-hook";
import {
  ConflictError,
  OutcomeUnknownError,
  PlatformError,
  TimeoutError,
} from "@/lib/platform/types";
import { json, startHookServer, type HookServer } from "../../support/traffic/hook-server";

const TOKEN = "s3cret-token";

let server: HookServer;
beforeEach(async () => {
  server = await startHookServer();
});
afterEach(async () => {
  await server.close();
});

const hook = (over: { token?: string; timeoutMs?: number; url?: string } = {}) =>
  new HttpTrafficHook({ url: server.url, token: TOKEN, timeoutMs: 2_000, ...over });

const twoModels = {
  models: [
    {
      model: "fraud-scorer",
      dials: { "us-east-1": 100, "eu-west-1": 25 },
      version: "v7",
      demandRps: { "us-east-1": 120.5, "eu-west-1": 80 },
    },
    { model: "assistant-llm-70b", dials: { "us-east-1": 0 }, version: 12 },
  ],
};

describe("HttpTrafficHook.dials", () => {
  it("reads every model's dials, version and demand from GET /models", async () => {
    server.handle((_req, res) => json(res, 200, twoModels));
    expect(await hook().dials()).toEqual({
      data: [
        {
          model: "fraud-scorer",
          dials: { "us-east-1": 100, "eu-west-1": 25 },
          resourceVersion: "v7",
          demandRps: { "us-east-1": 120.5, "eu-west-1": 80 },
        },
        { model: "assistant-llm-70b", dials: { "us-east-1": 0 }, resourceVersion: "12" },
      ],
      errors: [],
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.method).toBe("GET");
    expect(server.requests[0]?.url).toBe("/models");
  });

  it("sends the bearer token and asks for JSON", async () => {
    server.handle((_req, res) => json(res, 200, { models: [] }));
    await hook().dials();
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]?.headers.accept).toBe("application/json");
  });

  it("sends no authorization without a token", async () => {
    server.handle((_req, res) => json(res, 200, { models: [] }));
    await hook({ token: undefined }).dials();
    await hook({ token: "" }).dials();
    for (const r of server.requests) expect(r.headers.authorization).toBeUndefined();
  });

  it("joins the path to a URL given with trailing slashes or a prefix", async () => {
    server.handle((_req, res) => json(res, 200, { models: [] }));
    await hook({ url: `${server.url}///` }).dials();
    await hook({ url: `${server.url}/hook/` }).dials();
    expect(server.requests.map((r) => r.url)).toEqual(["/models", "/hook/models"]);
  });

  it("reports malformed entries in errors and returns the good ones", async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        models: [
          { model: "good", dials: { a: 50 }, version: "1" },
          { dials: { a: 50 }, version: "1" },
          { model: "", dials: { a: 50 }, version: "1" },
          { model: "no-version", dials: { a: 50 } },
          { model: "bool-version", dials: { a: 50 }, version: true },
          { model: "no-dials", version: "1" },
          { model: "array-dials", dials: [50], version: "1" },
          { model: "text-dial", dials: { a: "50" }, version: "1" },
          { model: "nan-dial", dials: { a: null }, version: "1" },
          { model: "bad-demand", dials: { a: 50 }, version: "1", demandRps: { a: "lots" } },
          { model: "good-too", dials: {}, version: 0 },
        ],
      }),
    );
    const { data, errors } = await hook().dials();
    expect(data).toEqual([
      { model: "good", dials: { a: 50 }, resourceVersion: "1" },
      { model: "good-too", dials: {}, resourceVersion: "0" },
    ]);
    expect(errors.map((e) => e.source)).toEqual(Array(9).fill("traffic hook"));
    expect(errors.map((e) => e.message)).toEqual([
      "traffic hook: an entry has no model name",
      "traffic hook: an entry has no model name",
      "traffic hook: no-version has no version",
      "traffic hook: bool-version has no version",
      "traffic hook: no-dials.dials must be an object of numbers",
      "traffic hook: array-dials.dials must be an object of numbers",
      "traffic hook: text-dial.dials.a must be a number",
      "traffic hook: nan-dial.dials.a must be a number",
      "traffic hook: bad-demand.demandRps.a must be a number",
    ]);
  });

  it("refuses dials outside 0 to 100, and accepts the bounds", async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        models: [
          { model: "over", dials: { a: 100.5 }, version: "1" },
          { model: "under", dials: { a: 50, b: -1 }, version: "1" },
          { model: "bounds", dials: { a: 0, b: 100 }, version: "1" },
        ],
      }),
    );
    const { data, errors } = await hook().dials();
    expect(data).toEqual([{ model: "bounds", dials: { a: 0, b: 100 }, resourceVersion: "1" }]);
    expect(errors.map((e) => e.message)).toEqual([
      "traffic hook: over.dials.a is not 0 to 100",
      "traffic hook: under.dials.b is not 0 to 100",
    ]);
  });

  it("refuses an answer without a models list", async () => {
    for (const body of [{}, { models: {} }, [], null]) {
      server.handle((_req, res) => json(res, 200, body));
      await expect(hook().dials()).rejects.toThrow(
        new PlatformError("traffic hook", 'GET /models must answer { "models": [...] }'),
      );
    }
    server.handle((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("not json");
    });
    await expect(hook().dials()).rejects.toBeInstanceOf(PlatformError);
  });

  it("fails with the status on a 5xx", async () => {
    server.handle((_req, res) => json(res, 503, { message: "balancer API down" }));
    const error = await hook()
      .dials()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as Error).message).toBe("traffic hook: answered 503");
  });

  it("fails with the body's message on a 4xx", async () => {
    server.handle((_req, res) => json(res, 403, { message: "token not allowed" }));
    await expect(hook().dials()).rejects.toThrow("traffic hook: answered 403: token not allowed");
    server.handle((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("no such route");
    });
    await expect(hook().dials()).rejects.toThrow("traffic hook: answered 404: no such route");
    server.handle((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    await expect(hook().dials()).rejects.toThrow("traffic hook: answered 401: no reason given");
  });

  it("cuts a long error message to 300 characters", async () => {
    server.handle((_req, res) => json(res, 400, { message: "x".repeat(1_000) }));
    await expect(hook().dials()).rejects.toThrow(`traffic hook: answered 400: ${"x".repeat(300)}`);
    const error = (await hook()
      .dials()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toHaveLength("traffic hook: answered 400: ".length + 300);
  });

  it("times out when the hook does not answer", async () => {
    server.handle(() => {
      // never answers
    });
    const error = await hook({ timeoutMs: 100 })
      .dials()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as TimeoutError).ms).toBe(100);
    expect((error as Error).message).toBe("traffic hook: read dials did not answer within 100 ms");
  });
});

describe("HttpTrafficHook.setDials", () => {
  const ref = { model: "fraud-scorer", resourceVersion: "v7" };

  it("PUTs the dials with If-Match on the version read, and answers the new version", async () => {
    server.handle((_req, res) => json(res, 200, { version: "v8" }));
    const out = await hook().setDials(ref, { "us-east-1": 0, "eu-west-1": 100 });
    expect(out).toEqual({ resourceVersion: "v8" });
    const req = server.requests[0];
    expect(req?.method).toBe("PUT");
    expect(req?.url).toBe("/models/fraud-scorer/dials");
    expect(req?.headers["if-match"]).toBe('"v7"');
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(req?.body ?? "")).toEqual({ dials: { "us-east-1": 0, "eu-west-1": 100 } });
  });

  it("encodes the model name in the path and reads a numeric version as text", async () => {
    server.handle((_req, res) => json(res, 200, { version: 13 }));
    const out = await hook().setDials({ model: "team/model x", resourceVersion: "12" }, { a: 50 });
    expect(out).toEqual({ resourceVersion: "13" });
    expect(server.requests[0]?.url).toBe("/models/team%2Fmodel%20x/dials");
    expect(server.requests[0]?.headers["if-match"]).toBe('"12"');
  });

  it("fails with ConflictError on 409, naming the current version", async () => {
    server.handle((_req, res) => json(res, 409, { version: "v9", message: "stale" }));
    const error = await hook()
      .setDials(ref, { "us-east-1": 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      resource: "traffic dials of fraud-scorer",
      expectedVersion: "v7",
      actualVersion: "v9",
    });
  });

  it("fails with ConflictError on 412, the current version unknown without a body", async () => {
    server.handle((_req, res) => {
      res.writeHead(412);
      res.end();
    });
    const error = await hook()
      .setDials(ref, { "us-east-1": 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ expectedVersion: "v7", actualVersion: "unknown" });
  });

  it("reports a 5xx as an unknown outcome, never as success or refusal", async () => {
    for (const status of [500, 502, 503, 504]) {
      server.handle((_req, res) => json(res, status, { message: "oops" }));
      const error = await hook()
        .setDials(ref, { "us-east-1": 0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OutcomeUnknownError);
      expect(error).not.toBeInstanceOf(TimeoutError);
      expect((error as OutcomeUnknownError).operation).toBe(
        `traffic hook: set dials of fraud-scorer (${status})`,
      );
    }
  });

  it("refuses a dial outside 0 to 100, or not a number, before sending anything", async () => {
    server.handle((_req, res) => json(res, 200, { version: "2" }));
    for (const bad of [150, -1, Number.NaN]) {
      const error = await hook()
        .setDials(ref, { "eu-west-1": bad })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlatformError);
      expect((error as Error).message).toMatch(/dial of eu-west-1 must be 0 to 100/);
    }
    expect(server.requests.filter((r) => r.method === "PUT")).toHaveLength(0);
  });

  it("reports a 4xx as a refusal with the body's message", async () => {
    server.handle((_req, res) => json(res, 422, { message: "eu-west-1 has no endpoint group" }));
    const error = await hook()
      .setDials(ref, { "eu-west-1": 50 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(error).not.toBeInstanceOf(OutcomeUnknownError);
    expect((error as Error).message).toBe(
      "traffic hook: set dials of fraud-scorer: 422 eu-west-1 has no endpoint group",
    );
  });

  it("reports a success without a version as an unknown outcome", async () => {
    for (const body of [{}, { version: null }, { version: { v: 1 } }]) {
      server.handle((_req, res) => json(res, 200, body));
      await expect(hook().setDials(ref, { a: 1 })).rejects.toBeInstanceOf(OutcomeUnknownError);
    }
    server.handle((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(hook().setDials(ref, { a: 1 })).rejects.toBeInstanceOf(OutcomeUnknownError);
  });

  it("times out when the hook does not answer", async () => {
    server.handle(() => {
      // never answers
    });
    const error = await hook({ timeoutMs: 100 })
      .setDials(ref, { a: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      "traffic hook: set dials of fraud-scorer did not answer within 100 ms",
    );
  });

  it("reports a dropped connection as an unknown outcome", async () => {
    server.handle((_req, _res, raw) => {
      raw.socket.destroy();
    });
    const error = await hook()
      .setDials(ref, { a: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).not.toBeInstanceOf(TimeoutError);
  });

  it("reports a hook that is not listening as an unknown outcome", async () => {
    const gone = server.url;
    await server.close();
    server = await startHookServer();
    const error = await hook({ url: gone })
      .setDials(ref, { a: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).not.toBeInstanceOf(TimeoutError);
  });
});

describe("HttpTrafficHook.health", () => {
  it("is ok when every entry reads", async () => {
    server.handle((_req, res) => json(res, 200, twoModels));
    const h = await hook().health();
    expect(h).toMatchObject({
      adapter: "traffic hook",
      status: "ok",
      detail: "2 models on the global load balancer",
    });
    expect(h.checkedAt).toBeInstanceOf(Date);
  });

  it("is degraded when some entries are malformed, naming the first problem", async () => {
    server.handle((_req, res) =>
      json(res, 200, {
        models: [
          { model: "good", dials: { a: 1 }, version: "1" },
          { model: "over", dials: { a: 101 }, version: "1" },
          { model: "nover", dials: { a: 1 } },
        ],
      }),
    );
    expect(await hook().health()).toMatchObject({
      status: "degraded",
      detail: "1 model; traffic hook: over.dials.a is not 0 to 100",
    });
  });

  it("is down when the hook fails", async () => {
    server.handle((_req, res) => json(res, 500, {}));
    expect(await hook().health()).toMatchObject({
      adapter: "traffic hook",
      status: "down",
      detail: "traffic hook: answered 500",
    });
  });

  it("is down when the hook does not answer in time", async () => {
    server.handle(() => {
      // never answers
    });
    expect(await hook({ timeoutMs: 100 }).health()).toMatchObject({
      status: "down",
      detail: "traffic hook: read dials did not answer within 100 ms",
    });
  });
});
