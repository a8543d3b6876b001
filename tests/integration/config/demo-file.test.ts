// prisma/demo/flightdeck.yaml is the demo fleet's configuration: what the seed creates, as a
// file. Applying it to the seeded demo changes nothing, and to an empty fleet it creates the
// demo's shape.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrismaClient } from "@/generated/prisma/client";
import { migrate } from "@/lib/db/migrations";
import { installClock, ManualClock } from "@/lib/clock";
import { applyFleetConfig, parseConfigText, type ConfigActor } from "@/server/config/apply";
import { connectTestDatabase } from "../../support/db";
import { SEED_NOW } from "../../support/constants";
import { databaseUrlOf, sql } from "../../support/postgres";

const prisma = connectTestDatabase();
const actor: ConfigActor = {
  actorId: null,
  actorEmail: "cli:tester",
  actorRole: null,
  requestId: null,
  clientIp: null,
  createdBy: "cli:tester",
};
const FILE = "prisma/demo/flightdeck.yaml";

beforeAll(() => installClock(new ManualClock(SEED_NOW.getTime() + 3_600_000)));
afterAll(async () => {
  installClock(null);
  await prisma.$disconnect();
});

describe("the demo fleet's configuration file", () => {
  it("is what the seed creates: applying it, even with prune, changes nothing", async () => {
    const config = parseConfigText(readFileSync(FILE, "utf8"), FILE);
    expect(config.teams?.length).toBeGreaterThan(0);
    expect(config.models?.length).toBeGreaterThan(0);
    expect(config.clusters?.length).toBeGreaterThan(0);
    const outcome = await applyFleetConfig(prisma, actor, config, { dryRun: true, prune: true });
    expect(outcome.plan.problems ?? []).toEqual([]);
    expect(outcome.plan.changes).toEqual([]);
  });

  it("gives an empty install the demo's shape, and a second apply changes nothing", async () => {
    const server = inject("databaseServerUrl");
    const name = `${inject("databaseRun")}_demo_${randomBytes(4).toString("hex")}`;
    await sql(server, `CREATE DATABASE ${name}`);
    const url = databaseUrlOf(server, name);
    await migrate(url);
    const empty = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      const config = parseConfigText(readFileSync(FILE, "utf8"), FILE);
      const first = await applyFleetConfig(empty, actor, config);
      expect(first.plan.problems ?? []).toEqual([]);
      expect(first.applied).toBe(true);
      expect(await empty.model.count()).toBe(config.models?.length);
      expect(await empty.environment.count()).toBe(config.environments?.length);
      expect(await empty.nodePool.count()).toBe(
        config.clusters?.reduce((n, c) => n + (c.nodePools?.length ?? 0), 0),
      );
      const again = await applyFleetConfig(empty, actor, config, { dryRun: true });
      expect(again.plan.changes).toEqual([]);
    } finally {
      await empty.$disconnect();
      await sql(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
