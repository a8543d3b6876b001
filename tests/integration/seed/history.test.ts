// The demo's history reads as a real one would: every seeded rollout carries the steps, analysis
// intervals and events the engine would have recorded for its ending, its charts keep the
// canary it served, and every closed incident has the complete postmortem its timeline says
// was published, agreeing with the incident's own times and severity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { actor } from "../../support/actors";
import { SEED_NOW } from "../../support/constants";
import { getRollout, rolloutSeries } from "@/server/rollouts/queries";
import { getPostmortem, getPostmortemStatus } from "@/server/incidents/postmortems";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/rollouts/plan";
import { intervalOf } from "@/lib/domain/rollouts/engine-step";
import type { MetricResult } from "@/lib/domain/rollouts/analysis";

const prisma = connectTestDatabase();
const time = movableTestClock();
const viewer = actor("viewer");

beforeAll(() => {
  // The pages are read as at the seed's instant.
  time.set(SEED_NOW);
});
afterAll(() => prisma.$disconnect());

const seededRollouts = () =>
  prisma.rollout.findMany({
    where: { kind: "rollout", createdById: null },
    include: {
      steps: { orderBy: { index: "asc" } },
      analysisRuns: { orderBy: { at: "asc" } },
      events: { orderBy: { at: "asc" } },
      toVersion: { select: { version: true, id: true } },
      fromVersion: { select: { version: true, id: true } },
    },
    orderBy: { createdAt: "asc" },
  });

describe("the seeded rollout history", () => {
  it("gives every analysis step its interval, so none reads “every ? s”", async () => {
    const steps = await prisma.rolloutStep.findMany({ where: { kind: "analysis" } });
    expect(steps.length).toBeGreaterThan(20);
    for (const s of steps) {
      expect(s.intervalSec, `step ${s.id}`).not.toBeNull();
      expect(intervalOf(s)).toBe(s.intervalSec);
    }
  });

  it("records the analysis intervals of every analysis step that ran, judged as its ending says", async () => {
    const rollouts = await seededRollouts();
    const byStatus = (status: string) => rollouts.filter((r) => r.status === status);
    expect(byStatus("completed").length).toBeGreaterThan(5);
    expect(byStatus("rolled_back").length).toBeGreaterThanOrEqual(2);
    // aborted by their analysis, and later waves that never started
    expect(byStatus("aborted").filter((r) => r.startedAt !== null).length).toBeGreaterThanOrEqual(
      1,
    );
    expect(byStatus("aborted").filter((r) => r.startedAt === null).length).toBeGreaterThanOrEqual(
      1,
    );

    for (const r of rollouts) {
      const name = `${r.status} rollout ${r.id} of ${r.toVersion.version}`;
      expect(r.finishedAt, name).not.toBeNull();
      for (const step of r.steps.filter((s) => s.kind === "analysis" && s.startedAt)) {
        const runs = r.analysisRuns.filter((a) => a.stepIndex === step.index);
        expect(runs.length, `${name}: step ${step.index + 1}`).toBeGreaterThanOrEqual(1);
        for (const run of runs) {
          expect(run.at.getTime()).toBeGreaterThan(step.startedAt?.getTime() ?? 0);
          expect(run.at.getTime()).toBeLessThanOrEqual(step.finishedAt?.getTime() ?? 0);
          // five metrics measured, as the engine's samples have
          expect((run.metrics as unknown as MetricResult[]).map((m) => m.metric)).toHaveLength(5);
        }
      }
      const verdicts = r.analysisRuns.map((a) => a.verdict);
      const kinds = r.events.map((e) => e.kind);
      if (r.status === "completed") {
        expect(
          r.steps.every((s) => s.status === "succeeded"),
          name,
        ).toBe(true);
        expect(
          verdicts.filter((v) => v === "fail"),
          name,
        ).toEqual([]);
        // every analysis window judged all of its intervals
        for (const s of r.steps.filter((x) => x.kind === "analysis")) {
          expect(
            r.analysisRuns.filter((a) => a.stepIndex === s.index),
            `${name}: step ${s.index + 1}`,
          ).toHaveLength(Math.floor((s.durationSec ?? 0) / intervalOf(s)));
        }
        expect(kinds.filter((k) => k === "analysis_passed").length).toBe(
          r.steps.filter((s) => s.kind === "analysis").length,
        );
      } else if (r.status === "aborted" && r.startedAt) {
        // aborted by its analysis: two failed intervals, and the reason quotes the last one
        expect(verdicts, name).toEqual(["fail", "fail"]);
        const failedStep = r.steps.find((s) => s.status === "failed");
        expect(failedStep?.kind, name).toBe("analysis");
        expect(r.reason, name).toMatch(
          /^Analysis failed at step 2 \(2 failed intervals\): Canary errors/,
        );
        expect(r.reason).toContain(r.analysisRuns.at(-1)?.reason);
        expect(r.finishedAt?.getTime()).toBe(r.analysisRuns.at(-1)?.at.getTime());
        expect(kinds).toContain("analysis_failed");
      } else if (r.status === "aborted") {
        // a later wave that never started: no analysis, and the reason says why
        expect(r.analysisRuns, name).toEqual([]);
        expect(r.steps.every((s) => s.status === "pending" && s.startedAt === null)).toBe(true);
        expect(r.reason, name).toBe("Wave 1 did not complete.");
        expect(r.wave).toBeGreaterThan(0);
        const first = rollouts.find((x) => x.releaseId === r.releaseId && x.wave === 0);
        expect(["aborted", "rolled_back"]).toContain(first?.status);
        expect(r.finishedAt?.getTime()).toBe(first?.finishedAt?.getTime());
      } else {
        expect(r.status).toBe("rolled_back");
        // the analysis failed an interval; the release manager rolled back before the second
        expect(verdicts, name).toEqual(["fail"]);
        expect(r.reason, name).toMatch(/^Rolled back to .+ by release@flightdeck\.demo: /);
        expect(kinds).toContain("rollback");
        const rollback = await prisma.rollout.findFirstOrThrow({
          where: {
            kind: "rollback",
            modelId: r.modelId,
            environmentId: r.environmentId,
            createdAt: r.finishedAt ?? undefined,
          },
        });
        expect(rollback).toMatchObject({
          status: "completed",
          toVersionId: r.fromVersion?.id,
          fromVersionId: r.toVersion.id,
        });
      }
    }
  });

  it("shows on the page the analysis that ran, and keeps the failed canary on the error-rate chart", async () => {
    const failed = (await seededRollouts()).filter(
      (r) => (r.status === "aborted" || r.status === "rolled_back") && r.startedAt !== null,
    );
    expect(failed.length).toBeGreaterThanOrEqual(3);
    for (const row of failed) {
      const r = await getRollout(viewer, row.id);
      expect(r.analysis.length).toBe(row.analysisRuns.length);
      const series = await rolloutSeries(viewer, r);
      const canary = series.errorRate.filter((p) => p.canary !== null);
      expect(canary.length, `${r.status} ${r.model} ${r.toVersion}`).toBeGreaterThanOrEqual(1);
      for (const p of canary) {
        expect(p.failed).toBe(true);
        expect(p.canary).toBeGreaterThan(
          (p.baseline ?? 1) + DEFAULT_THRESHOLDS.maxErrorRateIncrease,
        );
        expect(p.t).toBeLessThanOrEqual(r.finishedAt?.getTime() ?? 0);
      }
    }
  });
});

describe("the seeded incidents", () => {
  it("have, once closed, the complete postmortem their timeline says was published", async () => {
    const closed = await prisma.incident.findMany({
      where: { status: "closed" },
      include: { events: { orderBy: { at: "asc" } }, model: { select: { name: true } } },
    });
    expect(closed.length).toBeGreaterThan(20);
    for (const i of closed) {
      const name = `#${i.number} ${i.title}`;
      const status = await getPostmortemStatus(viewer, i.number);
      // the card: complete, saved once, before the incident closed and after it resolved
      expect(status.completeness, name).toEqual({ complete: true });
      expect(status.version).toBe(1);
      expect(status.savedAt?.getTime()).toBeLessThanOrEqual(i.closedAt?.getTime() ?? 0);
      expect(status.savedAt?.getTime()).toBeGreaterThanOrEqual(i.resolvedAt?.getTime() ?? 0);
      // its timeline says when it was completed, before the close
      const kinds = i.events.map((e) => [e.kind, e.message]);
      expect(kinds.slice(-2), name).toEqual([
        ["postmortem", "Postmortem completed"],
        ["status", "Status: closed, postmortem published"],
      ]);
      // the document agrees with the incident's milestones, severity and place
      const pm = (await getPostmortem(viewer, i.number)).postmortem;
      const milestone = (text: string) => pm.timeline.find((e) => e.text === text)?.at.getTime();
      expect(milestone("Detected"), name).toBe(i.detectedAt.getTime());
      expect(milestone("Acknowledged")).toBe(i.acknowledgedAt?.getTime());
      expect(milestone("Mitigated")).toBe(i.mitigatedAt?.getTime());
      expect(milestone("Resolved")).toBe(i.resolvedAt?.getTime());
      expect(pm.summary).toBe(i.summary);
      expect(pm.impact).toMatch(
        new RegExp(`^${i.severity}: ${i.model?.name} in ${i.regionCode ?? ""}, mitigated `),
      );
      for (const e of pm.timeline) {
        expect(e.at.getTime()).toBeGreaterThanOrEqual(i.detectedAt.getTime() - 3_600_000);
        expect(e.at.getTime()).toBeLessThanOrEqual(status.savedAt?.getTime() ?? 0);
      }
    }
  });

  it("date a failed canary's incident to its first failed analysis interval, and tell its story", async () => {
    const canaries = await prisma.incident.findMany({
      where: { title: { contains: "elevated 5xx during canary of" } },
    });
    expect(canaries.length).toBe(3);
    for (const i of canaries) {
      const version = i.title.split(" ").at(-1);
      const rollout = await prisma.rollout.findFirstOrThrow({
        where: {
          kind: "rollout",
          modelId: i.modelId ?? "",
          toVersion: { version },
          startedAt: { not: null },
          status: { in: ["aborted", "rolled_back"] },
        },
        include: { analysisRuns: { orderBy: { at: "asc" } } },
      });
      expect(i.detectedAt.getTime()).toBe(rollout.analysisRuns[0]?.at.getTime());
      expect(i.summary).toMatch(
        rollout.status === "aborted" ? /automated analysis aborted it/ : /rolled it back/,
      );
      const pm = await getPostmortem(viewer, i.number);
      expect(pm.postmortem.timeline.map((e) => e.text).join("\n")).toMatch(
        rollout.status === "aborted" ? /Analysis failed at step 2/ : /rolled back to/,
      );
    }
  });
});
