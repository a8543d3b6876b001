import { describe, expect, it } from "vitest";
import { initialFleet } from "@/lib/platform/simulator/fleet";
import { MemoryFleetStore, SimulatorPlatform } from "@/lib/platform/simulator/platform";
import { ConflictError } from "@/lib/platform/types";
import { smallTopology, T0 } from "../../support/platform/fleet-fixture";

// The reliability suite proves "no step applied twice" by counting the writes the platform
// applied; these are the counts it reads.
describe("simulator write journal", () => {
  const setup = async () => {
    const store = new MemoryFleetStore(initialFleet(7, smallTopology(), T0));
    const platform = new SimulatorPlatform({ store, now: () => T0 + 60_000 });
    const [object] = (await platform.rollouts({})).data;
    if (!object) throw new Error("the fixture has no rollout");
    const writes = async () =>
      (await store.load()).rollouts.find((r) => r.name === object.name)?.writes ?? {};
    return { platform, object, writes };
  };

  it("counts each applied write by operation and what it set", async () => {
    const { platform, object, writes } = await setup();
    expect(await writes()).toEqual({});
    let ref = { ...object, ...(await platform.setVersion(object, "9.9.9")) };
    ref = { ...ref, ...(await platform.setCanaryWeight(ref, 10)) };
    ref = { ...ref, ...(await platform.setCanaryWeight(ref, 25)) };
    ref = { ...ref, ...(await platform.pause(ref)) };
    ref = { ...ref, ...(await platform.resume(ref)) };
    await platform.promote(ref, { full: true });
    expect(await writes()).toEqual({
      "set version 9.9.9": 1,
      "set canary weight 10": 1,
      "set canary weight 25": 1,
      pause: 1,
      resume: 1,
      "promote full": 1,
    });
  });

  it("counts a write applied twice twice, and a refused write not at all", async () => {
    const { platform, object, writes } = await setup();
    let ref = { ...object, ...(await platform.setVersion(object, "9.9.9")) };
    ref = { ...ref, ...(await platform.setCanaryWeight(ref, 10)) };
    ref = { ...ref, ...(await platform.setCanaryWeight(ref, 10)) };
    await expect(platform.setCanaryWeight(object, 50)).rejects.toBeInstanceOf(ConflictError);
    ref = { ...ref, ...(await platform.abort(ref)) };
    await expect(platform.setCanaryWeight(ref, 50)).rejects.toThrow(/aborted/);
    expect(await writes()).toEqual({
      "set version 9.9.9": 1,
      "set canary weight 10": 2,
      abort: 1,
    });
  });
});
