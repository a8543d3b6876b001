import { describe, expect, it } from "vitest";
import { NO_QUOTA_HISTORY, teamQuotaHistory } from "@/lib/domain/capacity/usage";

const hour = new Date("2026-11-20T14:00:00Z");

describe("teamQuotaHistory", () => {
  it("the mean is GPU-hours used over the quota's GPU-hours; the peak is the busiest hour's", () => {
    // 3 hours of a quota of 100: 20, 50, 80 in use
    expect(
      teamQuotaHistory({ hours: 3, used: 150, quota: 300, peak: 0.8, peakHour: hour }),
    ).toEqual({ hours: 3, gpuHours: 150, meanOfQuota: 0.5, peakOfQuota: { share: 0.8, hour } });
  });

  it("weighs each hour by its quota: a raised quota does not count as the old one", () => {
    // 50 of 100, then 50 of 400: 100 GPU-hours of 500
    const q = teamQuotaHistory({ hours: 2, used: 100, quota: 500, peak: 0.5, peakHour: hour });
    expect(q.meanOfQuota).toBeCloseTo(0.2, 12);
  });

  it("counts only the hours with a quota in the mean, and every hour in the GPU-hours", () => {
    // 10 hours at 50 of a quota of 100, then 10 hours at 50 with no quota: 50%, not 100%
    const q = teamQuotaHistory({
      hours: 20,
      used: 1000,
      usedUnderQuota: 500,
      quota: 1000,
      peak: 0.5,
      peakHour: hour,
    });
    expect(q.meanOfQuota).toBeCloseTo(0.5, 12);
    expect(q.gpuHours).toBe(1000);
  });

  it("has no share without a quota, and keeps the GPU-hours", () => {
    expect(teamQuotaHistory({ hours: 4, used: 12, quota: 0, peak: null, peakHour: null })).toEqual({
      hours: 4,
      gpuHours: 12,
      meanOfQuota: null,
      peakOfQuota: null,
    });
    // a peak without its hour (or the other way round) is no peak
    expect(
      teamQuotaHistory({ hours: 1, used: 1, quota: 2, peak: 0.5, peakHour: null }).peakOfQuota,
    ).toBeNull();
  });

  it("over quota shows above 100%; negative figures count as none", () => {
    const over = teamQuotaHistory({ hours: 1, used: 12, quota: 8, peak: 1.5, peakHour: hour });
    expect(over).toMatchObject({ meanOfQuota: 1.5, peakOfQuota: { share: 1.5 } });
    const odd = teamQuotaHistory({ hours: 1, used: -3, quota: 8, peak: -0.4, peakHour: hour });
    expect(odd).toMatchObject({ gpuHours: 0, meanOfQuota: 0, peakOfQuota: { share: 0 } });
  });

  it("a team the rollups have not seen has nothing", () => {
    expect(NO_QUOTA_HISTORY).toEqual({
      hours: 0,
      gpuHours: 0,
      meanOfQuota: null,
      peakOfQuota: null,
    });
  });
});
