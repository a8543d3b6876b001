import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { db } from "@/server/db/client";
import {
  cacheableRequest,
  deepFreeze,
  PLAN_CACHE_SIZE,
  planCacheSize,
} from "@/server/db/plan-cache";
import { prismaPlanCache } from "@/lib/telemetry/metrics";

const prisma = connectTestDatabase();
afterAll(async () => {
  await prisma.team.deleteMany({ where: { slug: { startsWith: "plan-cache-" } } });
  await prisma.$disconnect();
});

async function counts() {
  const { values } = await prismaPlanCache.get();
  const of = (outcome: string) => values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { hit: of("hit"), miss: of("miss") };
}

describe("the query plan cache", () => {
  it("keeps the plans of reads only, of requests short enough to repeat", () => {
    const read = (action: string) =>
      JSON.stringify({ modelName: "Team", action, query: { arguments: {}, selection: {} } });
    for (const action of ["findUnique", "findFirstOrThrow", "findMany", "aggregate", "groupBy"]) {
      expect(cacheableRequest(read(action))).toBe(true);
    }
    for (const action of ["createOne", "updateMany", "upsertOne", "deleteMany", "executeRaw"]) {
      expect(cacheableRequest(read(action))).toBe(false);
    }
    const long = JSON.stringify({
      modelName: "Team",
      action: "findMany",
      query: {
        arguments: { where: { id: { in: Array.from({ length: 2000 }, (_, i) => `t${i}`) } } },
      },
    });
    expect(cacheableRequest(long)).toBe(false);
  });

  it("freezes a kept plan all the way down, leaving typed arrays as they are", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const plan = { type: "query", args: [{ sql: "SELECT 1", params: [1, "a"] }], bytes };
    deepFreeze(plan);
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.args[0]?.params)).toBe(true);
    expect(Object.isFrozen(bytes)).toBe(false);
  });

  it("compiles a repeated read once, and still reads the rows as they are now", async () => {
    const list = () =>
      db().team.findMany({
        where: { slug: { startsWith: "plan-cache-" } },
        orderBy: { slug: "asc" },
        select: { slug: true },
      });
    const before = await counts();
    expect(await list()).toEqual([]);
    await db().team.create({ data: { slug: "plan-cache-a", name: "A" } });
    // the same request again: the plan is reused, the rows are read again
    expect(await list()).toEqual([{ slug: "plan-cache-a" }]);
    const after = await counts();
    expect(after.miss - before.miss).toBe(1);
    expect(after.hit - before.hit).toBe(1);
  });

  it("compiles every write anew: a create's generated id and time are new each time", async () => {
    const size = planCacheSize();
    const make = () =>
      db().team.create({ data: { slug: `plan-cache-${crypto.randomUUID()}`, name: "B" } });
    const one = await make();
    await new Promise((r) => setTimeout(r, 5));
    const two = await make();
    expect(two.id).not.toBe(one.id);
    expect(two.createdAt.getTime()).toBeGreaterThan(one.createdAt.getTime());
    expect(planCacheSize()).toBe(size);
  });

  it("keeps at most its size, forgetting the least recently used", async () => {
    const find = (slug: string) => db().team.findUnique({ where: { slug }, select: { id: true } });
    await find("plan-cache-kept");
    for (let i = 0; i < PLAN_CACHE_SIZE; i++) {
      await find(`plan-cache-other-${i}`);
      // the first one, used again now and then, stays
      if (i % 500 === 0) await find("plan-cache-kept");
    }
    expect(planCacheSize()).toBe(PLAN_CACHE_SIZE);
    const before = await counts();
    await find("plan-cache-kept");
    expect((await counts()).hit - before.hit).toBe(1);
    await find("plan-cache-other-0");
    expect((await counts()).miss - before.miss).toBe(1);
  });
});
