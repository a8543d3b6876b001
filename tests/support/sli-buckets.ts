import type { PrismaClient } from "../../src/generated/prisma/client";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Resolution = "minute" | "hour" | "day";

/**
 * SLI buckets as the feed writes them: each minute also counts in its hour and day rollups, and
 * history older than minute retention exists only as hours (and their days).
 */
export class SliBuckets {
  private readonly rows = new Map<
    string,
    {
      resolution: Resolution;
      start: number;
      good: number;
      total: number;
      slices: number;
      goodSlices: number;
    }
  >();

  constructor(private readonly sliceTarget: number) {}

  private add(resolution: Resolution, start: number, c: Counts) {
    const key = `${resolution}/${start}`;
    const row = this.rows.get(key) ?? {
      resolution,
      start,
      good: 0,
      total: 0,
      slices: 0,
      goodSlices: 0,
    };
    row.good += c.good;
    row.total += c.total;
    row.slices += c.slices;
    row.goodSlices += c.goodSlices;
    this.rows.set(key, row);
  }

  /** One minute of traffic, with `bad` of `total` events bad. */
  minute(start: Date, total: number, bad: number): this {
    const t = start.getTime();
    const good = total - bad;
    const c = {
      good,
      total,
      slices: total > 0 ? 1 : 0,
      goodSlices: total > 0 && good / total >= this.sliceTarget ? 1 : 0,
    };
    this.add("minute", t, c);
    this.add("hour", Math.floor(t / HOUR) * HOUR, c);
    this.add("day", Math.floor(t / DAY) * DAY, c);
    return this;
  }

  /** Every minute from `from` to `to`, each with `bad` of `total` events bad. */
  minutes(from: Date, to: Date, total: number, bad: number): this {
    for (let t = from.getTime(); t < to.getTime(); t += MINUTE)
      this.minute(new Date(t), total, bad);
    return this;
  }

  /** An hour whose minutes retention has dropped: only its rollups remain. */
  hour(start: Date, c: Counts): this {
    const t = start.getTime();
    this.add("hour", t, c);
    this.add("day", Math.floor(t / DAY) * DAY, c);
    return this;
  }

  async write(prisma: PrismaClient, sloId: string): Promise<void> {
    await prisma.sliBucket.createMany({
      data: [...this.rows.values()].map((r) => ({
        sloId,
        resolution: r.resolution,
        start: new Date(r.start),
        good: BigInt(r.good),
        total: BigInt(r.total),
        slices: r.slices,
        goodSlices: r.goodSlices,
      })),
    });
  }
}

export interface Counts {
  good: number;
  total: number;
  slices: number;
  goodSlices: number;
}

/** A test SLO of ranker-xl, written straight to the table; its buckets go with it. */
export async function createTestSlo(
  prisma: PrismaClient,
  name: string,
  options: {
    objective?: number;
    budgetingMethod?: "occurrences" | "timeslices";
    timesliceTarget?: number | null;
    windowKind?: "rolling" | "month" | "quarter";
    windowDays?: number;
  } = {},
) {
  const model = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
  return prisma.slo.create({
    data: {
      name,
      description: "incident impact test",
      modelId: model.id,
      teamId: model.teamId,
      sliKind: "availability",
      objective: options.objective ?? 0.99,
      windowKind: options.windowKind ?? "rolling",
      windowDays: options.windowDays ?? 30,
      budgetingMethod: options.budgetingMethod ?? "occurrences",
      timesliceTarget: options.timesliceTarget ?? null,
    },
  });
}
