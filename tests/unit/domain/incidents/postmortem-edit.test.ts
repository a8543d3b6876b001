import { describe, expect, it } from "vitest";
import {
  postmortemDraftSchema,
  type PostmortemDraft,
  type PostmortemInput,
} from "@/lib/domain/incidents/postmortem";
import {
  changedPostmortemFields,
  normalizePostmortem,
  POSTMORTEM_FIELDS,
  postmortemDraftFor,
  postmortemSaveMessage,
  savePostmortemSchema,
  timelineSince,
} from "@/lib/domain/incidents/postmortem-edit";

const T0 = new Date("2026-11-29T10:00:00Z");
const t = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function pm(overrides: Partial<PostmortemInput> = {}): PostmortemDraft {
  return postmortemDraftSchema.parse({
    summary: "A ranker-xl canary raised 5xx in us-east-1 until it was rolled back.",
    impact: "1.2% of ranking requests failed for 38 minutes.",
    timeline: [
      { at: t(0), text: "Detected", source: "auto" },
      { at: t(12), text: "Rolled back", source: "manual" },
    ],
    contributingFactors: ["Canary analysis ignored the feature-store error class."],
    followUps: [{ action: "Add the error class", owner: "ana@example.com", dueDate: "2026-12-15" }],
    ...overrides,
  });
}

describe("normalizePostmortem", () => {
  it("orders the timeline by time, keeping the order of entries at the same time", () => {
    const input = pm({
      timeline: [
        { at: t(30), text: "c" },
        { at: t(0), text: "a" },
        { at: t(30), text: "d" },
        { at: t(10), text: "b" },
      ],
    });
    expect(normalizePostmortem(input).timeline.map((e) => e.text)).toEqual(["a", "b", "c", "d"]);
    expect(input.timeline.map((e) => e.text)).toEqual(["c", "a", "d", "b"]);
  });
});

describe("changedPostmortemFields", () => {
  it("names every field on the first save", () => {
    expect(changedPostmortemFields(null, pm())).toEqual([...POSTMORTEM_FIELDS]);
  });

  it("is empty for the same content, whatever the timeline's order or the dates' objects", () => {
    const a = pm();
    const b = pm({
      timeline: [
        { at: new Date(t(12).getTime()), text: "Rolled back", source: "manual" },
        { at: "2026-11-29T10:00:00.000Z", text: "Detected", source: "auto" },
      ],
    });
    expect(changedPostmortemFields(a, b)).toEqual([]);
  });

  it("names what changed", () => {
    const a = pm();
    expect(changedPostmortemFields(a, pm({ summary: "Other." }))).toEqual(["summary"]);
    expect(
      changedPostmortemFields(
        a,
        pm({
          timeline: [
            { at: t(0), text: "Detected", source: "auto" },
            { at: t(13), text: "Rolled back", source: "manual" },
          ],
          followUps: [],
        }),
      ),
    ).toEqual(["timeline", "followUps"]);
    expect(changedPostmortemFields(a, pm({ contributingFactors: [] }))).toEqual([
      "contributingFactors",
    ]);
  });
});

describe("postmortemSaveMessage", () => {
  const incomplete = pm({ summary: "" });
  it("says completed when a save completes it, saved otherwise", () => {
    expect(postmortemSaveMessage(null, pm())).toBe("Postmortem completed");
    expect(postmortemSaveMessage(incomplete, pm())).toBe("Postmortem completed");
    expect(postmortemSaveMessage(null, incomplete)).toBe("Postmortem saved");
    expect(postmortemSaveMessage(pm(), pm({ impact: "More." }))).toBe("Postmortem saved");
    expect(postmortemSaveMessage(pm(), incomplete)).toBe("Postmortem saved");
  });
});

describe("postmortemDraftFor", () => {
  it("drafts from the milestones and the timeline, leaving out the postmortem's own saves", () => {
    const draft = postmortemDraftFor(
      { detectedAt: T0, acknowledgedAt: t(5), mitigatedAt: null, resolvedAt: null },
      [
        { at: T0, kind: "declared", message: "Declared SEV2: ranker-xl 5xx", actor: "e@x.com" },
        { at: t(7), kind: "note", message: "Rolled back", actor: null },
        { at: t(8), kind: "postmortem", message: "Postmortem saved", actor: "e@x.com" },
      ],
    );
    expect(draft.timeline.map((e) => e.text)).toEqual([
      "Detected",
      "Declared SEV2: ranker-xl 5xx (e@x.com)",
      "Acknowledged",
      "Rolled back",
    ]);
    expect(draft).toMatchObject({
      summary: "",
      impact: "",
      contributingFactors: [],
      followUps: [],
    });
  });
});

describe("timelineSince", () => {
  it("offers the entries after the last save that the saved timeline lacks", () => {
    const saved = [
      { at: t(0), text: "Detected", source: "auto" as const },
      { at: t(20), text: "Mitigated, edited", source: "auto" as const },
    ];
    const fresh = [
      { at: t(0), text: "Detected", source: "auto" as const },
      { at: t(10), text: "Removed before saving", source: "auto" as const },
      { at: t(20), text: "Mitigated", source: "auto" as const },
      { at: t(40), text: "Resolved", source: "auto" as const },
      { at: t(41), text: "Status: resolved", source: "auto" as const },
    ];
    expect(timelineSince(saved, fresh, t(30)).map((e) => e.text)).toEqual([
      "Resolved",
      "Status: resolved",
    ]);
    expect(timelineSince([...saved, fresh[3]!], fresh, t(30)).map((e) => e.text)).toEqual([
      "Status: resolved",
    ]);
  });
});

describe("savePostmortemSchema", () => {
  it("takes version 0 for the first save and refuses negative versions", () => {
    expect(savePostmortemSchema.parse({ incidentId: "i1", version: 0, postmortem: {} })).toEqual({
      incidentId: "i1",
      version: 0,
      postmortem: { summary: "", impact: "", timeline: [], contributingFactors: [], followUps: [] },
    });
    expect(
      savePostmortemSchema.safeParse({ incidentId: "i1", version: -1, postmortem: {} }).success,
    ).toBe(false);
    expect(
      savePostmortemSchema.safeParse({ incidentId: "", version: 1, postmortem: {} }).success,
    ).toBe(false);
  });
});
