import { describe, expect, it } from "vitest";
import {
  dailyMeans,
  historyStats,
  hourOf,
  hourSeries,
  teamUsage,
  topConsumers,
} from "@/lib/domain/capacity/usage";

describe("teamUsage", () => {
  it("sums each team's namespaces against their quotas, the biggest user first", () => {
    const teams = teamUsage([
      { cluster: "a", namespace: "r-1", team: "ranking", quota: 32, used: 24 },
      { cluster: "b", namespace: "r-2", team: "ranking", quota: 16, used: 20 },
      { cluster: "a", namespace: "s-1", team: "safety", quota: 0, used: 0 },
    ]);
    expect(teams).toEqual([
      { team: "ranking", quota: 48, used: 44, ofQuota: 44 / 48, namespaces: 2, overQuota: 1 },
      { team: "safety", quota: 0, used: 0, ofQuota: null, namespaces: 1, overQuota: 0 },
    ]);
    expect(teamUsage([])).toEqual([]);
  });
});

describe("topConsumers", () => {
  it("keeps the largest, with their share of the whole list", () => {
    const top = topConsumers(
      [
        { name: "a", gpus: 10 },
        { name: "b", gpus: 30 },
        { name: "c", gpus: 0 },
        { name: "d", gpus: 10 },
      ],
      2,
    );
    expect(top).toEqual([
      { name: "b", gpus: 30, share: 0.6 },
      { name: "a", gpus: 10, share: 0.2 },
    ]);
    expect(topConsumers([], 5)).toEqual([]);
    expect(topConsumers([{ name: "a", gpus: 1 }], 0)).toEqual([]);
  });
});

describe("hourly history", () => {
  const now = new Date("2026-12-01T12:34:00Z");
  const row = (hour: string, idle: number) => ({
    hour: new Date(hour),
    total: 10,
    serving: 4,
    training: 10 - 4 - idle,
    other: 0,
    idle,
    unavailable: 0,
  });

  it("floors to the hour", () => {
    expect(hourOf(now).toISOString()).toBe("2026-12-01T12:00:00.000Z");
  });

  it("lists every hour up to now's, with gaps as null", () => {
    const points = hourSeries(
      [row("2026-12-01T10:00:00Z", 2), row("2026-12-01T12:00:00Z", 1)],
      now,
      4,
    );
    expect(points.map((p) => [p.hour.toISOString().slice(11, 13), p.split?.idle ?? null])).toEqual([
      ["09", null],
      ["10", 2],
      ["11", null],
      ["12", 1],
    ]);
  });

  it("summarises the hours with data: means, the busiest hour, the least idle", () => {
    const points = hourSeries(
      [row("2026-12-01T10:00:00Z", 2), row("2026-12-01T12:00:00Z", 1)],
      now,
      4,
    );
    const stats = historyStats(points);
    expect(stats.hoursWithData).toBe(2);
    expect(stats.mean.idle).toBe(1.5);
    expect(stats.peakInUse).toEqual({ gpus: 9, hour: new Date("2026-12-01T12:00:00Z") });
    expect(stats.leastIdle).toEqual({ gpus: 1, hour: new Date("2026-12-01T12:00:00Z") });
    expect(historyStats([])).toMatchObject({ hoursWithData: 0, peakInUse: null, leastIdle: null });
  });
});

describe("dailyMeans", () => {
  it("averages each UTC day's hours with data, and skips days without any", () => {
    const at = (h: string, idle: number) => ({
      hour: new Date(h),
      split: { total: 10, serving: 10 - idle, training: 0, other: 0, idle, unavailable: 0 },
    });
    const days = dailyMeans([
      at("2026-12-01T22:00:00Z", 2),
      at("2026-12-01T23:00:00Z", 4),
      { hour: new Date("2026-12-02T00:00:00Z"), split: null },
      at("2026-12-03T01:00:00Z", 6),
    ]);
    expect(days.map((d) => [d.day.toISOString().slice(0, 10), d.hours, d.mean.idle])).toEqual([
      ["2026-12-01", 2, 3],
      ["2026-12-03", 1, 6],
    ]);
    expect(dailyMeans([])).toEqual([]);
  });
});
