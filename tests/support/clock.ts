import { afterAll, beforeAll } from "vitest";
import { ManualClock, installClock } from "../../src/lib/clock";

/**
 * A clock this test file moves instead of sleeping: the services, the rollout engine and the
 * simulator read it (lib/clock). It starts at the wall clock's time when the file starts, and
 * stands still until the test moves it.
 */
export function movableTestClock(): ManualClock {
  const time = new ManualClock();
  beforeAll(() => {
    time.set(new Date());
    installClock(time);
  });
  afterAll(() => installClock(null));
  return time;
}
