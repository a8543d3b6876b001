import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { incidentRoleCandidates } from "@/server/incidents/queries";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

describe("who can hold an incident's roles", () => {
  it("is every enabled engineer and admin, by email, for people who work incidents", async () => {
    const engineer = await person(prisma, "engineer");
    const disabled = await person(prisma, "admin");
    await prisma.user.update({ where: { id: disabled.id }, data: { disabled: true } });
    const viewer = await person(prisma, "viewer");
    const expected = await prisma.user.findMany({
      where: { disabled: false, role: { in: ["engineer", "admin"] } },
      orderBy: { email: "asc" },
      select: { email: true, name: true },
    });
    const people = await incidentRoleCandidates(engineer);
    expect(people).toEqual(expected);
    expect(people.map((p) => p.email)).toContain(engineer.email);
    expect(people.map((p) => p.email)).not.toContain(disabled.email);
    expect(people.map((p) => p.email)).not.toContain(viewer.email);
  });

  it("is refused to people who do not work incidents, and to nobody", async () => {
    await expect(incidentRoleCandidates(await person(prisma, "viewer"))).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(incidentRoleCandidates(null)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});
