import { describe, expect, it } from "vitest";
import { runsWorker } from "../../../src/lib/config/role";

describe("which processes run the worker loops", () => {
  it("worker and the all-in-one demo do; web does not", () => {
    expect(runsWorker({ FLIGHTDECK_ROLE: "worker" })).toBe(true);
    expect(runsWorker({ FLIGHTDECK_ROLE: "all" })).toBe(true);
    expect(runsWorker({})).toBe(true); // npm run dev
    expect(runsWorker({ FLIGHTDECK_ROLE: "web" })).toBe(false);
  });

  it("FLIGHTDECK_WORKER=0 turns them off anywhere", () => {
    expect(runsWorker({ FLIGHTDECK_ROLE: "worker", FLIGHTDECK_WORKER: "0" })).toBe(false);
    expect(runsWorker({ FLIGHTDECK_WORKER: "0" })).toBe(false);
  });
});
