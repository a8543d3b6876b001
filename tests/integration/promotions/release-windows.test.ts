import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import type { Actor } from "@/server/auth/session";
import { recurringWindowSchema } from "@/lib/schemas/promotions";
import {
  createRecurringWindow,
  deleteRecurringWindow,
  freezesNow,
  listRecurringWindows,
} from "@/server/promotions/release-windows";
import { releaseProcessOverride } from "@/server/rollouts/release-process";

const prisma = connectTestDatabase();
const meta = { requestId: "release-windows-test", clientIp: "198.51.100.10" };
let admin: Actor;
let releaseManager: Actor;

beforeAll(async () => {
  admin = await person(prisma, "admin");
  releaseManager = await person(prisma, "release_manager", { team: "ranking" });
});

afterAll(async () => {
  await prisma.recurringWindow.deleteMany();
  await prisma.$disconnect();
});

/** Whether a direct start into staging/us-east-1 gets through at `now`, and if not, why. */
async function directStart(now: Date): Promise<string> {
  const env = await prisma.environment.findFirstOrThrow({
    where: { tier: "staging" },
    select: { name: true },
  });
  try {
    await prisma.$transaction((tx) =>
      releaseProcessOverride(
        tx,
        releaseManager,
        "start",
        [env.name],
        { fix: false, reason: null },
        now,
      ),
    );
    return "allowed";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("release windows that repeat", () => {
  it("refuses what makes no sense, and non-admins", () => {
    const base = {
      name: "Weekend",
      kind: "freeze",
      tier: "staging",
      timeZone: "Europe/Berlin",
      startDay: 5,
      startTime: "16:00",
      endDay: 1,
      endTime: "08:00",
      reason: "Weekend freeze",
    };
    expect(() => recurringWindowSchema.parse({ ...base, timeZone: "Europe/Atlantis" })).toThrow(
      /IANA time zone/,
    );
    expect(() => recurringWindowSchema.parse({ ...base, startTime: "24:00" })).toThrow(/HH:MM/);
    expect(() => recurringWindowSchema.parse({ ...base, endDay: 5, endTime: "16:00" })).toThrow(
      /another time/,
    );
    expect(() => recurringWindowSchema.parse({ ...base, reason: "" })).toThrow(/Say why/);
    return expect(
      createRecurringWindow(releaseManager, meta, recurringWindowSchema.parse(base)),
    ).rejects.toThrow();
  });

  it("a weekly freeze in Berlin blocks direct changes on its local hours, across the DST change", async () => {
    const input = recurringWindowSchema.parse({
      name: "Staging weekend",
      kind: "freeze",
      tier: "staging",
      timeZone: "Europe/Berlin",
      startDay: 5,
      startTime: "16:00",
      endDay: 1,
      endTime: "08:00",
      reason: "Nobody watches staging at the weekend",
    });
    const first = await createRecurringWindow(admin, meta, input);
    // a double submit adds it once
    expect(await createRecurringWindow(admin, meta, input)).toEqual({
      id: first.id,
      created: false,
    });

    // Friday 23 October 2026, 15:59 and 16:00 CEST (UTC+2)
    expect(await directStart(new Date("2026-10-23T13:59:00Z"))).toBe("allowed");
    const refused = await directStart(new Date("2026-10-23T14:00:00Z"));
    expect(refused).toMatch(
      /change freeze "Staging weekend \(every week, Friday 16:00 to Monday 08:00 Europe\/Berlin\)"/,
    );
    // it says when it ends: Monday 08:00 CET, after the clocks went back (UTC+1)
    expect(refused).toContain("until 2026-10-26T07:00:00.000Z");
    expect(await directStart(new Date("2026-10-26T06:59:00Z"))).not.toBe("allowed");
    expect(await directStart(new Date("2026-10-26T07:00:00Z"))).toBe("allowed");

    const [row] = await listRecurringWindows(admin, new Date("2026-10-24T12:00:00Z"));
    expect(row).toMatchObject({
      description: "Friday 16:00 to Monday 08:00 Europe/Berlin",
      current: { endsAt: new Date("2026-10-26T07:00:00Z") },
      next: { startsAt: new Date("2026-10-30T15:00:00Z") },
    });
    expect(
      await prisma.auditEvent.count({
        where: { action: "release_window.create", targetId: first.id },
      }),
    ).toBe(1);
    expect(await deleteRecurringWindow(admin, meta, first.id)).toEqual({ deleted: true });
    expect(await deleteRecurringWindow(admin, meta, first.id)).toEqual({ deleted: false });
    expect(await directStart(new Date("2026-10-24T12:00:00Z"))).toBe("allowed");
  });

  it("an allowed window closes its tier outside it, and a fix by an admin still gets through", async () => {
    const w = await createRecurringWindow(
      admin,
      meta,
      recurringWindowSchema.parse({
        name: "Staging hours",
        kind: "allowed",
        tier: "staging",
        timeZone: "America/New_York",
        startDay: 1,
        startTime: "09:00",
        endDay: 5,
        endTime: "17:00",
      }),
    );
    // Monday 7 December 2026 10:00 EST (UTC-5) is inside; Friday 17:00 EST is outside
    expect(await directStart(new Date("2026-12-07T15:00:00Z"))).toBe("allowed");
    const closed = await directStart(new Date("2026-12-11T22:00:00Z"));
    expect(closed).toMatch(/Outside the release window: Staging hours/);
    expect(closed).toContain("until 2026-12-14T14:00:00.000Z");
    const freezes = await freezesNow(prisma, new Date("2026-12-12T12:00:00Z"));
    expect(freezes.map((f) => f.reason)).toContain(
      "Changes to staging go out only in Staging hours (Monday 09:00 to Friday 17:00 America/New_York).",
    );
    const env = await prisma.environment.findFirstOrThrow({ where: { tier: "staging" } });
    const override = await prisma.$transaction((tx) =>
      releaseProcessOverride(
        tx,
        admin,
        "start",
        [env.name],
        { fix: true, reason: "hotfix" },
        new Date("2026-12-12T12:00:00Z"),
      ),
    );
    expect(override).toMatch(/overridden by an admin for a fix: hotfix/);
    await deleteRecurringWindow(admin, meta, w.id);
  });
});
