import { describe, expect, it } from "vitest";
import {
  outsideChange,
  plannedSpec,
  type ObjectSpec,
  type SpecFields,
} from "@/lib/domain/rollouts/outside-change";

const known: ObjectSpec = {
  generation: 4,
  version: "2.2.0",
  weight: 20,
  paused: false,
  image: "registry/ranker@sha256:22",
};
const planned: SpecFields = { version: "2.2.0", weight: 20, paused: false };
const live = (over: Partial<ObjectSpec>): ObjectSpec => ({ ...known, ...over });

describe("plannedSpec", () => {
  it("plans version, weight and pause for an active rollout", () => {
    expect(
      plannedSpec({ status: "analyzing", kind: "rollout", toVersion: "2", weight: 40 }),
    ).toEqual({ version: "2", weight: 40, paused: false });
    expect(plannedSpec({ status: "paused", kind: "rollout", toVersion: "2", weight: 40 })).toEqual({
      version: "2",
      weight: 40,
      paused: true,
    });
  });

  it("plans only the version once a rollout ended, and for a rollback", () => {
    for (const status of ["completed", "aborted", "rolled_back"] as const) {
      expect(plannedSpec({ status, kind: "rollout", toVersion: "2", weight: 0 })).toEqual({
        version: "2",
        weight: null,
        paused: null,
      });
    }
    expect(
      plannedSpec({ status: "progressing", kind: "rollback", toVersion: "1", weight: 100 }),
    ).toEqual({ version: "1", weight: null, paused: null });
  });

  it("plans nothing before a rollout started", () => {
    expect(plannedSpec({ status: "pending", kind: "rollout", toVersion: "2", weight: 0 })).toEqual({
      version: null,
      weight: null,
      paused: null,
    });
  });
});

describe("outsideChange", () => {
  it("is nothing while the generation did not move, whatever the fields say", () => {
    expect(
      outsideChange({ known, live: live({ version: "9.9.9" }), intended: [], planned }),
    ).toBeNull();
  });

  it("is nothing before Flightdeck confirmed a spec (a rollout adopting the object)", () => {
    expect(
      outsideChange({
        known: null,
        live: live({ generation: 9, version: "9" }),
        intended: [],
        planned,
      }),
    ).toBeNull();
  });

  it("names a version set by someone else, with the image", () => {
    const said = outsideChange({
      known,
      live: live({ generation: 5, version: "2.3.0", image: "registry/ranker:2.3.0" }),
      intended: [],
      planned,
    });
    expect(said).toBe(
      "Changed outside Flightdeck: it now runs version 2.3.0 (image registry/ranker:2.3.0), not 2.2.0 (spec generation 4 → 5).",
    );
  });

  it("names a weight and a pause changed by hand", () => {
    expect(
      outsideChange({ known, live: live({ generation: 6, weight: 80 }), intended: [], planned }),
    ).toBe(
      "Changed outside Flightdeck: its canary weight is now 80%, not 20% (spec generation 4 → 6).",
    );
    expect(
      outsideChange({ known, live: live({ generation: 5, paused: true }), intended: [], planned }),
    ).toBe("Changed outside Flightdeck: it was paused (spec generation 4 → 5).");
  });

  it("accepts Flightdeck's own write whose answer was lost (the recorded intent)", () => {
    expect(
      outsideChange({
        known,
        live: live({ generation: 5, weight: 40 }),
        intended: [{ version: "2.2.0", weight: 40, paused: false }],
        // the plan moved on since (an engineer aborted): the intent still explains the spec
        planned: { version: "2.2.0", weight: null, paused: null },
      }),
    ).toBeNull();
  });

  it("accepts a write half done: a new version with the old weight", () => {
    expect(
      outsideChange({
        known,
        live: live({ generation: 5, version: "2.3.0" }),
        intended: [{ version: "2.3.0", weight: 0, paused: false }],
        planned: { version: "2.3.0", weight: 0, paused: false },
      }),
    ).toBeNull();
  });

  it("accepts someone making exactly the change Flightdeck plans", () => {
    expect(
      outsideChange({
        known,
        live: live({ generation: 5, weight: 40 }),
        intended: [],
        planned: { version: "2.2.0", weight: 40, paused: false },
      }),
    ).toBeNull();
  });

  it("ignores fields the platform's spec does not state", () => {
    expect(
      outsideChange({
        known,
        live: live({ generation: 5, paused: null, weight: null }),
        intended: [],
        planned,
      }),
    ).toBeNull();
  });

  it("compares weight 0 as a value, not as missing", () => {
    expect(
      outsideChange({ known, live: live({ generation: 5, weight: 0 }), intended: [], planned }),
    ).toMatch(/canary weight is now 0%, not 20%/);
  });

  it("names a new image under the same version", () => {
    expect(
      outsideChange({
        known,
        live: live({ generation: 5, image: "registry/ranker:hotfix" }),
        intended: [],
        planned,
      }),
    ).toBe(
      "Changed outside Flightdeck: its image is now registry/ranker:hotfix, still labelled version 2.2.0 (spec generation 4 → 5).",
    );
  });
});
