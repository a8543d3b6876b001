import "../support/request-context";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { NextRequest } from "next/server";
import { connectTestDatabase } from "../support/db";
import { AnonymousRefusals, anonymousRefusals } from "@/server/services/anonymous-refusals";
import { ANONYMOUS_REFUSAL_LIMITS } from "@/lib/domain/audit-sampling";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import * as chaosRoute from "@/app/api/v1/chaos/route";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());
afterEach(() => vi.useRealTimers());

const anonymousRowsIn = (from: Date) =>
  prisma.auditEvent.findMany({
    where: {
      at: { gte: from, lt: new Date(from.getTime() + 60_000) },
      outcome: "denied",
      actorId: null,
      actorEmail: null,
    },
    orderBy: { at: "asc" },
  });

describe("anonymous refusals", () => {
  it("writes at most so many per address and per minute, and one summary of the rest", async () => {
    // A minute of its own, long past, so nothing else writes into it.
    const minute = new Date("2020-03-01T10:00:00Z");
    let clock = minute.getTime() + 1_000;
    const sampler = new AnonymousRefusals({
      limits: { perAddress: 3, perMinute: 5, addressesInSummary: 2 },
      now: () => new Date(clock++),
      autoFlush: false,
    });
    const refuse = (clientIp: string) =>
      sampler.record(
        { requestId: "sampling-test", clientIp },
        { action: "chaos.start", targetType: "chaos_experiment", reason: "Sign in to continue." },
      );
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await refuse("192.0.2.1"));
    expect(a).toEqual(["written", "written", "written", "dropped", "dropped"]);
    const b = [];
    for (let i = 0; i < 3; i++) b.push(await refuse("192.0.2.2"));
    // The minute is full after five, whoever sends the sixth.
    expect(b).toEqual(["written", "written", "dropped"]);
    expect(await refuse("192.0.2.3")).toBe("dropped");

    const rows = await anonymousRowsIn(minute);
    expect(rows.map((r) => r.clientIp)).toEqual([
      "192.0.2.1",
      "192.0.2.1",
      "192.0.2.1",
      "192.0.2.2",
      "192.0.2.2",
    ]);
    expect(rows.every((r) => r.reason === "Sign in to continue.")).toBe(true);

    // Nothing is summarised before the minute ends; then exactly once.
    expect(await sampler.flush(new Date(minute.getTime() + 59_000))).toBe(0);
    expect(await sampler.flush(new Date(minute.getTime() + 61_000))).toBe(1);
    expect(await sampler.flush(new Date(minute.getTime() + 62_000))).toBe(0);
    const summary = await prisma.auditEvent.findFirstOrThrow({
      where: {
        action: "audit.anonymous_refusals_dropped",
        after: { path: ["minute"], equals: minute.toISOString() },
      },
    });
    expect(summary).toMatchObject({
      actorRole: "system",
      outcome: "denied",
      reason: expect.stringMatching(/^4 more anonymous refusals dropped in the minute from/),
      after: {
        dropped: 4,
        byAddress: { "192.0.2.1": 2, "192.0.2.2": 1 },
        otherAddresses: 1,
      },
    });
  });

  it("holds for refusals of a real route: a flood from one address writes its share only", async () => {
    const minute = new Date("2020-03-02T10:00:00Z");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(minute.getTime() + 1_000));
    const address = "198.51.100.77";
    const flood = ANONYMOUS_REFUSAL_LIMITS.perAddress + 15;
    for (let i = 0; i < flood; i++) {
      const res = await chaosRoute.POST(
        new NextRequest("http://localhost:3000/api/v1/chaos", {
          method: "POST",
          headers: {
            origin: "http://localhost:3000",
            "content-type": "application/json",
            [CLIENT_ADDRESS_HEADER]: address,
          },
          body: "{}",
        }),
        { params: Promise.resolve({}) },
      );
      expect(res.status).toBe(401);
    }
    const rows = await anonymousRowsIn(minute);
    expect(rows).toHaveLength(ANONYMOUS_REFUSAL_LIMITS.perAddress);
    expect(rows.every((r) => r.clientIp === address && r.action === "chaos.start")).toBe(true);
    expect(await anonymousRefusals().flush(new Date(minute.getTime() + 61_000))).toBe(1);
    const summary = await prisma.auditEvent.findFirstOrThrow({
      where: {
        action: "audit.anonymous_refusals_dropped",
        after: { path: ["minute"], equals: minute.toISOString() },
      },
    });
    expect(summary.after).toMatchObject({ dropped: 15, byAddress: { [address]: 15 } });
  });
});
