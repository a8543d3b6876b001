import { afterAll, beforeAll } from "vitest";
import { ManualClock, installClock } from "../../src/lib/clock";
import { SEED_NOW } from "./constants";

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
 * A fixed instant the day after the integration fleet's seed (`SEED_NOW`), at `hour`:00 UTC. The
 * simulated fleet's demand follows the time of day, and its node faults and measurement noise
 * follow the instant: a test whose expectations depend on how much traffic or how many GPUs a
 * region has starts its clock here, so it sees the same fleet whatever day and hour it runs.
 */
export function dayAfterSeedAt(hour: number): () => Date {
  return () => new Date(SEED_NOW.getTime() - (SEED_NOW.getTime() % DAY) + DAY + hour * HOUR);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
