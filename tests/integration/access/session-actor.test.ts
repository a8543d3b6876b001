import { afterAll, afterEach, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { loadUserActor } from "@/server/auth/session";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const demoSetting = process.env.FLIGHTDECK_DEMO;
afterEach(() => {
  if (demoSetting === undefined) delete process.env.FLIGHTDECK_DEMO;
  else process.env.FLIGHTDECK_DEMO = demoSetting;
});

describe("the signed-in user, read on every request", () => {
  it("is read with their role, team and time zone", async () => {
    const p = await person(prisma, "engineer", { team: "ranking" });
    await prisma.user.update({ where: { id: p.id }, data: { timeZone: "Asia/Tokyo" } });
    const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    expect(await loadUserActor(p.id)).toEqual({
      kind: "user",
      id: p.id,
      email: p.email,
      name: "engineer",
      role: "engineer",
      teamId: team.id,
      teamName: team.name,
      timeZone: "Asia/Tokyo",
    });
  });

  it("has no role or team when nobody gave them one", async () => {
    const p = await person(prisma, null);
    expect(await loadUserActor(p.id)).toMatchObject({ role: null, teamId: null, teamName: null });
  });

  it("is nobody once disabled, unknown, or a demo account with demo mode off", async () => {
    const p = await person(prisma, "viewer");
    await prisma.user.update({ where: { id: p.id }, data: { disabled: true } });
    expect(await loadUserActor(p.id)).toBeNull();
    expect(await loadUserActor("no-such-user")).toBeNull();

    const demo = await person(prisma, "viewer");
    await prisma.user.update({ where: { id: demo.id }, data: { demo: true } });
    process.env.FLIGHTDECK_DEMO = "1";
    expect(await loadUserActor(demo.id)).toMatchObject({ id: demo.id, role: "viewer" });
    process.env.FLIGHTDECK_DEMO = "0";
    expect(await loadUserActor(demo.id)).toBeNull();
  });
});
