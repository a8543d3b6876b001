import { afterAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/health/route";
import { connectTestDatabase } from "../support/db";
import { freePort } from "../../scripts/lib/database";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

type Global = { flightdeckPrisma?: { $disconnect(): Promise<void> } };

describe("GET /api/health", () => {
  it("answers 200 with database and platform checks when healthy", async () => {
    const res = await GET();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("ok");
    expect(body.checks.database.status).toBe("ok");
    expect(body.checks.platform).toMatchObject({ adapter: "simulator", status: "ok" });
  });

  it("answers 503 when the database is unreachable", async () => {
    const g = globalThis as Global;
    const saved = { url: process.env.DATABASE_URL, client: g.flightdeckPrisma };
    try {
      // Nothing listens on a port we just found free.
      process.env.DATABASE_URL = `postgresql://postgres:x@127.0.0.1:${await freePort()}/flightdeck`;
      g.flightdeckPrisma = undefined;
      const res = await GET();
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.status).toBe("down");
      expect(body.checks.database.status).toBe("down");
      expect(JSON.stringify(body)).not.toContain("postgres:x");
    } finally {
      await g.flightdeckPrisma?.$disconnect();
      process.env.DATABASE_URL = saved.url;
      g.flightdeckPrisma = saved.client;
    }
  });
});
