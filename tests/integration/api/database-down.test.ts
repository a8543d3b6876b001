// /api/v1 while PostgreSQL does not answer: 503 "busy, try again", even while
// finding out who calls, never a 500 that says nothing was reported as done.
import "../../support/request-context";
import { afterAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { GET as me } from "@/app/api/v1/me/route";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase, withUnreachableDatabase } from "../../support/db";
import { DATABASE_BUSY_MESSAGE } from "@/server/errors";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

describe("the API with the database out of reach", () => {
  it("answers 503 with the busy message, not an internal error", async () => {
    const user = await prisma.user.create({
      data: { email: `down-${Date.now()}@api.test`, name: "Down", role: "viewer" },
    });
    await withUnreachableDatabase(async () => {
      // the session's user is read from the database
      requestContext.userId = user.id;
      const res = await me(new NextRequest("http://localhost:3000/api/v1/me"), {
        params: Promise.resolve({}),
      });
      requestContext.userId = null;
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(503);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: "UNAVAILABLE", message: DATABASE_BUSY_MESSAGE });
      expect(JSON.stringify(body)).not.toContain("postgres:x");
    });
  });
});
