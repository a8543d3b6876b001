import "../../support/request-context";
import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { setTimeZonePreference } from "@/server/access/preferences";
import { timeZonePreferenceSchema } from "@/lib/schemas/preferences";

const prisma = connectTestDatabase();
const meta = { requestId: "preferences-test", clientIp: "198.51.100.11" };

afterAll(() => prisma.$disconnect());

describe("a person's time zone", () => {
  it("is their own to set, once per change, audited, and read with them", async () => {
    const viewer = await person(prisma, "viewer", { team: "ranking" });
    expect(viewer.timeZone).toBeNull();
    const berlin = timeZonePreferenceSchema.parse({ timeZone: "Europe/Berlin" });
    expect(await setTimeZonePreference(viewer, meta, berlin)).toEqual({
      timeZone: "Europe/Berlin",
      changed: true,
    });
    // a double click changes nothing more
    expect(await setTimeZonePreference(viewer, meta, berlin)).toEqual({
      timeZone: "Europe/Berlin",
      changed: false,
    });
    expect((await loadUserActor(viewer.id))?.timeZone).toBe("Europe/Berlin");
    const audits = await prisma.auditEvent.findMany({
      where: { action: "user.preferences", targetId: viewer.id },
    });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      before: { timeZone: "UTC" },
      after: { timeZone: "Europe/Berlin" },
    });
    await setTimeZonePreference(viewer, meta, timeZonePreferenceSchema.parse({ timeZone: "UTC" }));
    expect((await loadUserActor(viewer.id))?.timeZone).toBeNull();
  });

  it("is refused to API tokens and to people without a role", async () => {
    const token: Actor = {
      kind: "token",
      id: "t1",
      email: "token:ci",
      name: "ci",
      role: null,
      teamId: "x",
      teamName: null,
      scopes: ["fleet.read"],
    };
    await expect(setTimeZonePreference(token, meta, { timeZone: "Europe/Berlin" })).rejects.toThrow(
      /API tokens have no preferences/,
    );
    const nobody = await person(prisma, null);
    await expect(
      setTimeZonePreference(nobody, meta, { timeZone: "Europe/Berlin" }),
    ).rejects.toThrow();
  });
});
