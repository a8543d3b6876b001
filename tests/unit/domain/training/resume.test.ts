import { describe, expect, it } from "vitest";
import { RESUME_IN_FLIGHT_MS, resumeOutcome, resumeState } from "@/lib/domain/training/resume";

const now = new Date("2026-12-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);

describe("resumeState", () => {
  it("is nothing without an intent", () => {
    expect(resumeState({ requestedAt: null, outcomeUnknown: false }, now)).toBeNull();
  });

  it("is in flight while a request may still be waiting on the platform", () => {
    expect(resumeState({ requestedAt: ago(1_000), outcomeUnknown: false }, now)).toBe("in_flight");
    expect(
      resumeState({ requestedAt: ago(RESUME_IN_FLIGHT_MS - 1), outcomeUnknown: false }, now),
    ).toBe("in_flight");
  });

  it("is unknown once marked so, or once nobody can be waiting any more", () => {
    expect(resumeState({ requestedAt: ago(1_000), outcomeUnknown: true }, now)).toBe("unknown");
    expect(resumeState({ requestedAt: ago(RESUME_IN_FLIGHT_MS), outcomeUnknown: false }, now)).toBe(
      "unknown",
    );
  });
});

describe("resumeOutcome", () => {
  it("counts a restart since the intent as the resume having run", () => {
    expect(resumeOutcome(3, { status: "queued", restarts: 4 })).toBe("applied");
    // It ran, then crashed again: still ran; asking again would restart it twice.
    expect(resumeOutcome(3, { status: "failed", restarts: 4 })).toBe("applied");
  });

  it("asks again only when the job is still failed with the same restarts", () => {
    expect(resumeOutcome(3, { status: "failed", restarts: 3 })).toBe("not_applied");
  });

  it("sees nothing to resume when the job runs without a restart, or is gone", () => {
    expect(resumeOutcome(3, { status: "running", restarts: 3 })).toBe("not_failed");
    expect(resumeOutcome(3, null)).toBe("missing");
  });
});
