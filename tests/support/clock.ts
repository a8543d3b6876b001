import { afterAll, beforeAll } from "vitest";
import { ManualClock, installClock } from "../../src/lib/clock";

/**
 * A clock this test file moves instead of sleeping: the services, the rollout engine and the
 * simulator read it (lib/clock). It starts at the wall clock's time when the file starts (or at
 * `start()`, read then), and stands still until the test moves it.
 */
export function movableTestClock(start: () => Date = () => new Date()): ManualClock {
  const time = new ManualClock();
  beforeAll(() => {
    time.set(start());
    installClock(time);
  });
  afterAll(() => installClock(null));
  return time;
}

/**
 * The next time the UTC clock reads `hour`:`minute` (within the coming 24 hours). The simulated
 * fleet's demand follows the time of day, so a test whose expectations depend on how much
 * traffic a region carries starts its clock at one time of day, whatever hour the suite runs.
 */
export function nextUtcTimeOfDay(hour: number, minute = 0): () => Date {
  return () => {
    const at = new Date();
    at.setUTCHours(hour, minute, 0, 0);
    if (at.getTime() <= Date.now()) at.setUTCDate(at.getUTCDate() + 1);
    return at;
  };
}
