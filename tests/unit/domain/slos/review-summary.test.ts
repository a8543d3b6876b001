import { describe, expect, it } from "vitest";
import {
  attainmentTrend,
  causeSplit,
  difference,
  metShare,
  severityCounts,
  summaryTeams,
  teamBudgets,
  verdictCounts,
  worstOffenders,
  type SummaryRow,
} from "@/lib/domain/slos/review-summary";

function row(p: Partial<SummaryRow> = {}): SummaryRow {
  return {
    slo: "ranker-availability",
    displayName: null,
    team: "Search",
    service: "ranker",
    met: true,
    previousMet: true,
    consumed: 0.5,
    consumedByIncidents: 0.2,
    consumedByRolloutsOnly: 0.1,
    ...p,
  };
}

describe("verdictCounts and metShare", () => {
  it("counts met, missed and no data", () => {
    expect(verdictCounts([true, false, null, true])).toEqual({
      slos: 4,
      met: 2,
      missed: 1,
      noData: 1,
    });
    expect(verdictCounts([])).toEqual({ slos: 0, met: 0, missed: 0, noData: 0 });
  });

  it("shares met among the SLOs with data only; none without data", () => {
    expect(metShare(verdictCounts([true, false, null, true]))).toBeCloseTo(2 / 3, 12);
    expect(metShare(verdictCounts([null, null]))).toBeNull();
    expect(metShare(verdictCounts([]))).toBeNull();
    expect(metShare(verdictCounts([false]))).toBe(0);
  });
});

describe("causeSplit", () => {
  it("splits the spend into incidents, rollouts alone, and the rest", () => {
    const s = causeSplit(
      row({ consumed: 1.5, consumedByIncidents: 0.9, consumedByRolloutsOnly: 0.2 }),
    );
    expect(s?.incidents).toBeCloseTo(0.9, 12);
    expect(s?.rollouts).toBeCloseTo(0.2, 12);
    expect(s?.other).toBeCloseTo(0.4, 12);
  });

  it("has no split without data, and puts everything in other without causes", () => {
    expect(causeSplit(row({ consumed: null }))).toBeNull();
    expect(
      causeSplit(row({ consumed: 0.3, consumedByIncidents: null, consumedByRolloutsOnly: null })),
    ).toEqual({ incidents: 0, rollouts: 0, other: 0.3 });
    expect(
      causeSplit(row({ consumed: 0, consumedByIncidents: 0, consumedByRolloutsOnly: 0 })),
    ).toEqual({ incidents: 0, rollouts: 0, other: 0 });
  });

  it("never lets the parts exceed the whole nor go negative", () => {
    // hourly parts a little above the daily whole
    expect(
      causeSplit(row({ consumed: 0.5, consumedByIncidents: 0.4, consumedByRolloutsOnly: 0.3 })),
    ).toEqual({ incidents: 0.4, rollouts: 0.09999999999999998, other: 0 });
    expect(
      causeSplit(row({ consumed: 0.5, consumedByIncidents: 0.7, consumedByRolloutsOnly: 0.1 })),
    ).toEqual({ incidents: 0.5, rollouts: 0, other: 0 });
    expect(
      causeSplit(row({ consumed: -0.1, consumedByIncidents: -1, consumedByRolloutsOnly: 0 })),
    ).toEqual({ incidents: 0, rollouts: 0, other: 0 });
  });
});

describe("worstOffenders", () => {
  it("takes the five that spent the most, most first, ties by name, none that spent nothing", () => {
    const rows = [
      row({ slo: "a", consumed: 0.1 }),
      row({ slo: "b", consumed: 2 }),
      row({ slo: "c", consumed: 0 }),
      row({ slo: "d", consumed: null }),
      row({ slo: "f", consumed: 0.7 }),
      row({ slo: "e", consumed: 0.7 }),
      row({ slo: "g", consumed: 0.3 }),
      row({ slo: "h", consumed: 0.2 }),
    ];
    const worst = worstOffenders(rows);
    expect(worst.map((w) => w.slo)).toEqual(["b", "e", "f", "g", "h"]);
    expect(worst[0]).toMatchObject({ team: "Search", service: "ranker", consumed: 2 });
    expect(worst[0]!.split.other).toBeCloseTo(2 - 0.2 - 0.1, 12);
  });

  it("is empty without spend, and honours the limit", () => {
    expect(worstOffenders([row({ consumed: 0 }), row({ consumed: null })])).toEqual([]);
    expect(worstOffenders([row({ consumed: 1 })], 0)).toEqual([]);
    expect(worstOffenders([row({ slo: "x" }), row({ slo: "y" })], 1)).toHaveLength(1);
  });
});

describe("teamBudgets", () => {
  it("gives each team its verdicts now and before, its mean spend and its SLOs over budget", () => {
    const teams = teamBudgets([
      row({ team: "Search", consumed: 0.5, met: true, previousMet: false }),
      row({ team: "Search", consumed: 1.5, met: false, previousMet: true }),
      row({ team: "Search", consumed: null, met: null, previousMet: null }),
      row({ team: "Fraud", consumed: 1, met: false, previousMet: null }),
    ]);
    expect(teams).toEqual([
      {
        team: "Search",
        current: { slos: 3, met: 1, missed: 1, noData: 1 },
        previous: { slos: 3, met: 1, missed: 1, noData: 1 },
        budgetSpent: 1,
        overBudget: 1,
      },
      {
        team: "Fraud",
        current: { slos: 1, met: 0, missed: 1, noData: 0 },
        previous: { slos: 1, met: 0, missed: 0, noData: 1 },
        budgetSpent: 1,
        overBudget: 1,
      },
    ]);
  });

  it("has no spend for a team without data, and no teams without rows", () => {
    expect(teamBudgets([row({ consumed: null, met: null })])[0]).toMatchObject({
      budgetSpent: null,
      overBudget: 0,
    });
    expect(teamBudgets([])).toEqual([]);
  });
});

describe("summaryTeams", () => {
  const t = (team: string, budgetSpent: number | null) => ({
    team,
    budgetSpent,
    overBudget: 0,
    current: verdictCounts([]),
    previous: verdictCounts([]),
  });

  it("keeps every team when they fit", () => {
    const teams = [t("a", 0.1), t("b", null)];
    expect(summaryTeams(teams, 2)).toEqual({ shown: teams, more: 0 });
  });

  it("keeps the teams that spent the most, in their order, and counts the rest", () => {
    const teams = [t("a", 0.1), t("b", null), t("c", 0.9), t("d", 0.5), t("e", 0.5)];
    const { shown, more } = summaryTeams(teams, 3);
    expect(shown.map((x) => x.team)).toEqual(["c", "d", "e"]);
    expect(more).toBe(2);
    expect(summaryTeams(teams, 0)).toEqual({ shown: [], more: 5 });
  });
});

describe("severityCounts", () => {
  it("lists every severity with both periods' counts, zeros included", () => {
    expect(
      severityCounts(
        [
          { severity: "SEV3", incidents: 4 },
          { severity: "SEV1", incidents: 1 },
        ],
        [{ severity: "SEV3", incidents: 2 }],
      ),
    ).toEqual([
      { severity: "SEV1", current: 1, previous: 0 },
      { severity: "SEV2", current: 0, previous: 0 },
      { severity: "SEV3", current: 4, previous: 2 },
      { severity: "SEV4", current: 0, previous: 0 },
    ]);
  });
});

describe("attainmentTrend", () => {
  it("gives each team its share of SLOs met per period, null where none had data", () => {
    const trend = attainmentTrend(
      ["Search", "Fraud", "Quiet"],
      [
        { verdicts: [] },
        {
          verdicts: [
            { team: "Search", met: true },
            { team: "Search", met: null },
            { team: "Fraud", met: false },
          ],
        },
        {
          verdicts: [
            { team: "Search", met: true },
            { team: "Search", met: false },
            { team: "Fraud", met: true },
          ],
        },
      ],
    );
    expect(trend).toEqual([
      { team: "Search", points: [null, 1, 0.5] },
      { team: "Fraud", points: [null, 0, 1] },
      { team: "Quiet", points: [null, null, null] },
    ]);
  });
});

describe("difference", () => {
  it("subtracts, and is null when either side is missing", () => {
    expect(difference(3, 1)).toBe(2);
    expect(difference(0.5, 0.75)).toBe(-0.25);
    expect(difference(null, 1)).toBeNull();
    expect(difference(1, null)).toBeNull();
  });
});
