import { describe, expect, it } from "vitest";
import {
  ConflictError,
  PlatformError,
  type ClusterInventory,
  type RolloutDriver,
  type RolloutObject,
  type ServingDeployment,
  type TrainingPlatform,
  type Workloads,
} from "@/lib/platform/types";

export type FleetPlatform = ClusterInventory & Workloads & RolloutDriver & TrainingPlatform;

function weightsByPlace(deployments: ServingDeployment[]) {
  const sums = new Map<string, number>();
  for (const d of deployments) {
    const key = `${d.model}|${d.environment}|${d.region}|${d.cluster}`;
    sums.set(key, (sums.get(key) ?? 0) + d.trafficWeight);
  }
  return sums;
}

/**
 * The contract every cluster inventory, workloads, rollout driver and training implementation
 * honours. The rollout tests change one production rollout, so give each run a fresh fleet.
 * A platform that does not drive rollouts or run training jobs (yet) says which with `drives`
 * and `trains`; those parts are then skipped.
 */
export function fleetContract(
  name: string,
  ctx: {
    platform: () => FleetPlatform;
    drives?: boolean;
    trains?: boolean;
    /**
     * For platforms that act after a write (a controller) and are read through a cache: resolves
     * once what was written has been acted on and can be read back.
     */
    settle?: () => Promise<void>;
  },
) {
  const settle = ctx.settle ?? (() => Promise.resolve());
  const drives = ctx.drives ?? true;
  const trains = ctx.trains ?? true;
  describe(`platform contract: ${name}`, () => {
    it("reports clusters with consistent capacity", async () => {
      const { data, errors } = await ctx.platform().clusters();
      expect(errors).toEqual([]);
      expect(data.length).toBeGreaterThan(0);
      for (const c of data) {
        expect(["healthy", "degraded", "unreachable"]).toContain(c.status);
        for (const p of c.pools) {
          expect(p.readyNodes).toBeGreaterThanOrEqual(0);
          expect(p.readyNodes).toBeLessThanOrEqual(p.nodes);
          expect(p.allocated).toBeGreaterThanOrEqual(0);
          expect(p.allocated).toBeLessThanOrEqual(p.allocatable);
          expect(p.allocatable).toBeLessThanOrEqual(p.gpus);
          // Unknown (null) where no metrics source reports it; a share otherwise.
          if (p.utilization !== null) {
            expect(p.utilization).toBeGreaterThanOrEqual(0);
            expect(p.utilization).toBeLessThanOrEqual(1);
          }
        }
      }
    });

    it("reports namespaces and autoscalers within their bounds", async () => {
      const ns = await ctx.platform().namespaces();
      expect(ns.data.length).toBeGreaterThan(0);
      for (const n of ns.data) expect(n.gpuUsed).toBeGreaterThanOrEqual(0);
      const hpas = await ctx.platform().autoscalers();
      expect(hpas.data.length).toBeGreaterThan(0);
      for (const h of hpas.data) {
        expect(h.current).toBeGreaterThanOrEqual(h.min);
        expect(h.current).toBeLessThanOrEqual(h.max);
        expect(h.desired).toBeGreaterThanOrEqual(h.min);
      }
    });

    it("gives every model in every place traffic weights summing to 100%", async () => {
      const { data } = await ctx.platform().deployments({});
      expect(data.length).toBeGreaterThan(0);
      for (const sum of weightsByPlace(data).values()) expect(sum).toBe(100);
      const model = data[0]?.model ?? "";
      const one = await ctx.platform().deployments({ model });
      expect(one.data.every((d) => d.model === model)).toBe(true);
      await expect(ctx.platform().deployments({ model: 'x"}' })).rejects.toBeInstanceOf(
        PlatformError,
      );
    });

    it("refuses to read or change a rollout that does not exist", async () => {
      const key = { cluster: "nowhere", namespace: "none", name: "missing" };
      await expect(ctx.platform().rollout(key)).rejects.toBeInstanceOf(PlatformError);
      await expect(ctx.platform().pause({ ...key, resourceVersion: "1" })).rejects.toBeInstanceOf(
        PlatformError,
      );
    });

    it.runIf(drives)(
      "drives a canary: new version, weights, pause, promote, undo, with resource versions",
      async () => {
        const p = ctx.platform();
        const { data } = await p.rollouts({ environment: "production" });
        const target = data.find((r) => r.canaryVersion === null);
        if (!target) throw new Error("no idle production rollout to drive");
        const refOf = (r: RolloutObject, resourceVersion = r.resourceVersion) => ({
          cluster: r.cluster,
          namespace: r.namespace,
          name: r.name,
          resourceVersion,
        });
        // The reference to write with next: the version a write returned, or, where a controller
        // moves the object on after each write, the version read again.
        const after = async (r: RolloutObject, resourceVersion: string) =>
          ctx.settle ? refOf(await p.rollout(r)) : refOf(r, resourceVersion);
        const place = (d: ServingDeployment) =>
          d.model === target.model &&
          d.cluster === target.cluster &&
          d.environment === "production";

        // Actions that need a rollout in progress are refused with a reason.
        await expect(p.abort(refOf(target))).rejects.toThrow(/no rollout in progress/);

        const next = `${target.stableVersion}-contract`;
        const { resourceVersion: rv1 } = await p.setVersion(refOf(target), next);
        await settle();
        expect(rv1).not.toBe(target.resourceVersion);
        // A write with the version read before is stale.
        await expect(p.setCanaryWeight(refOf(target), 10)).rejects.toBeInstanceOf(ConflictError);

        const started = await p.rollout(target);
        expect(started.canaryVersion).toBe(next);
        expect(started.revision).toBe(target.revision + 1);

        await expect(p.setCanaryWeight(refOf(started), 101)).rejects.toBeInstanceOf(PlatformError);
        const { resourceVersion: rv2 } = await p.setCanaryWeight(refOf(started), 25);
        await settle();
        let split = (await p.deployments({ model: target.model })).data.filter(place);
        expect(split.find((d) => d.version === next)?.trafficWeight).toBe(25);
        expect(split.find((d) => d.version === target.stableVersion)?.trafficWeight).toBe(75);

        const { resourceVersion: rv3 } = await p.pause(await after(started, rv2));
        await settle();
        expect((await p.rollout(target)).phase).toBe("Paused");
        const { resourceVersion: rv4 } = await p.abort(await after(started, rv3));
        await settle();
        const aborted = await p.rollout(target);
        expect(aborted.aborted).toBe(true);
        expect(aborted.canaryWeight).toBe(0);
        split = (await p.deployments({ model: target.model })).data.filter(place);
        expect(split.map((d) => [d.version, d.trafficWeight])).toEqual([
          [target.stableVersion, 100],
        ]);
        await expect(p.promote(await after(started, rv4), { full: true })).rejects.toThrow(
          /aborted/,
        );

        const { resourceVersion: rv5 } = await p.retry(await after(started, rv4));
        await settle();
        const { resourceVersion: rv6 } = await p.promote(await after(started, rv5), { full: true });
        await settle();
        const promoted = await p.rollout(target);
        expect(promoted.stableVersion).toBe(next);
        expect(promoted.canaryVersion).toBeNull();
        // A platform that acts after the write (a controller) has moved the object on since.
        if (!ctx.settle) expect(promoted.resourceVersion).toBe(rv6);

        await p.undo(refOf(promoted), target.revision);
        await settle();
        const undone = await p.rollout(target);
        expect(undone.stableVersion).toBe(target.stableVersion);
        expect(undone.revision).toBe(target.revision + 2);
        split = (await p.deployments({ model: target.model })).data.filter(place);
        expect(split.map((d) => [d.version, d.trafficWeight])).toEqual([
          [target.stableVersion, 100],
        ]);
        await expect(p.undo(refOf(undone), 999)).rejects.toThrow(/does not exist/);
      },
    );

    it.runIf(trains)("reports training jobs with progress, checkpoints and restarts", async () => {
      const { data } = await ctx.platform().jobs();
      expect(data.length).toBeGreaterThan(0);
      for (const j of data) {
        expect(j.stepsDone).toBeGreaterThanOrEqual(0);
        expect(j.stepsDone).toBeLessThanOrEqual(j.stepsTotal);
        expect(j.restarts).toBeGreaterThanOrEqual(0);
        if (j.lastCheckpointStep !== null)
          expect(j.lastCheckpointStep).toBeLessThanOrEqual(j.stepsTotal);
      }
      await expect(ctx.platform().resumeFromCheckpoint("no-such-job")).rejects.toBeInstanceOf(
        PlatformError,
      );
    });

    it("answers health", async () => {
      const h = await ctx.platform().health();
      expect(h.status).toBe("ok");
      expect(h.detail).not.toBe("");
    });
  });
}
