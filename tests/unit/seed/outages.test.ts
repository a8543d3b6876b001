import { describe, expect, it } from "vitest";
import { OUTAGES } from "../../../prisma/seed/demo-data";
import { outages } from "../../../prisma/seed/incidents";

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe("the seeded outages", () => {
  it("put the speech outage in the afternoon of the day 96 days back, whatever the hour the seed runs", () => {
    // The leadership review shows that month as missed: at night, with a third of the traffic,
    // the same six hours would not miss it (the browser test failed when run after midnight UTC).
    const midnight = Date.UTC(2026, 11, 4);
    for (let hour = 0; hour < 24; hour += 1) {
      const now = midnight + hour * HOUR + 20 * 60_000;
      const speech = outages(now).badWindows.find((w) => w.model === "speech-asr")!;
      expect(new Date(speech.start).toISOString()).toBe("2026-08-30T12:00:00.000Z");
      expect(speech.end - speech.start).toBe(6 * HOUR);
      expect(new Date(now - 96 * DAY).getUTCMonth()).toBe(new Date(speech.start).getUTCMonth());
    }
  });

  it("keep the other outages at their distance from now", () => {
    const now = Date.UTC(2026, 11, 4, 2, 20);
    const windows = outages(now).badWindows;
    for (const o of OUTAGES.filter((x) => x.utcHour === undefined)) {
      const w = windows.find((x) => x.model === o.model)!;
      expect(now - w.start).toBe(o.daysAgo * DAY + o.hoursAgo * HOUR);
    }
  });
});
