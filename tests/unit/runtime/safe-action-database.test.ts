// A server action whose database is busy or restarting answers "busy, try again"
// (UNAVAILABLE), never an internal error, whether the service's transaction or the session
// lookup before it failed; other failures stay internal errors.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";

const session = vi.hoisted(() => ({ fail: null as Error | null }));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
vi.mock("@/server/http/request-meta", () => ({
  currentRequestMeta: async () => ({ requestId: "req-1", clientIp: null }),
}));
vi.mock("@/server/auth/session", () => ({
  getActor: async () => {
    if (session.fail) throw session.fail;
    return {
      kind: "user",
      id: "u1",
      email: "e@example.com",
      name: "E",
      role: "admin",
      teamId: null,
      teamName: null,
    };
  },
}));
vi.mock("@/server/access/authorize", () => ({ assertAllowed: () => undefined }));
vi.mock("@/server/access/audit-log", () => ({ recordDenial: async () => undefined }));
vi.mock("@/lib/telemetry/log", () => ({
  log: () => ({ warn: () => undefined, error: () => undefined }),
}));

const { defineAction } = await import("../../../src/actions/safe-action");
const { DATABASE_BUSY_MESSAGE } = await import("../../../src/server/errors");

function action(run: () => Promise<string>) {
  return defineAction({
    name: "rollout.abort",
    permission: "rollout.operate",
    input: z.object({}),
    target: () => ({ type: "rollout" }),
    run,
  });
}

beforeEach(() => {
  session.fail = null;
});

describe("a server action on a busy database", () => {
  it("answers UNAVAILABLE when its transaction could not start in time", async () => {
    const error = Object.assign(
      new Error("Transaction API error: Unable to start a transaction in the given time."),
      { code: "P2028" },
    );
    const result = await action(() => Promise.reject(error))({});
    expect(result).toEqual({
      ok: false,
      error: { code: "UNAVAILABLE", message: DATABASE_BUSY_MESSAGE },
    });
  });

  it("answers UNAVAILABLE when the session could not be read", async () => {
    session.fail = new Error("timeout exceeded when trying to connect");
    const result = await action(async () => "done")({});
    expect(result).toEqual({
      ok: false,
      error: { code: "UNAVAILABLE", message: DATABASE_BUSY_MESSAGE },
    });
  });

  it("still reports a bug as an internal error with its reference", async () => {
    const result = await action(() => Promise.reject(new TypeError("x is undefined")))({});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("INTERNAL");
      expect(result.error.message).toContain("req-1");
    }
    session.fail = new TypeError("broken");
    await expect(action(async () => "done")({})).rejects.toThrow("broken");
  });
});

describe("a server action given a NUL character", () => {
  it("refuses it naming the field, and never runs (PostgreSQL text cannot hold NUL)", async () => {
    const run = vi.fn(async () => "ran");
    const noted = defineAction({
      name: "incident.note",
      permission: "incident.work",
      input: z.object({ incidentId: z.string(), body: z.string() }),
      target: () => ({ type: "incident" }),
      run,
    });
    const result = await noted({ incidentId: "inc\u00001", body: "fine" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("INVALID_INPUT");
    expect(JSON.stringify(result.error)).toMatch(/incidentId.*NUL character/);
    expect(run).not.toHaveBeenCalled();
  });
});
