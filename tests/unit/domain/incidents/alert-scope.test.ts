import { describe, expect, it } from "vitest";
import { alertScopeRefusal } from "@/lib/domain/incidents/alert-scope";

const token = { kind: "token" as const, scopes: ["incident.work"], teamId: "ranking" };

describe("alertScopeRefusal", () => {
  it("lets a team's token touch its own team's objects, and alerts naming nothing", () => {
    expect(alertScopeRefusal(token, [])).toBeNull();
    expect(
      alertScopeRefusal(token, [
        { kind: "model", name: "ranker-xl", teamId: "ranking" },
        { kind: "incident", name: "12", teamId: "ranking" },
      ]),
    ).toBeNull();
  });

  it("refuses another team's model, SLO or incident, saying which", () => {
    expect(
      alertScopeRefusal(token, [{ kind: "model", name: "assistant-llm-70b", teamId: "assistant" }]),
    ).toBe(
      "Refused: it names the model assistant-llm-70b, of another team; only that team (or an admin) may work it.",
    );
    expect(
      alertScopeRefusal(token, [{ kind: "slo", name: "llm-latency", teamId: "assistant" }]),
    ).toMatch(/^Refused: it names the SLO llm-latency, of another team/);
    // An incident of several models is another team's if any of them is.
    const refusal = alertScopeRefusal(token, [
      { kind: "incident", name: "7", teamId: "ranking" },
      { kind: "incident", name: "7", teamId: "assistant" },
    ]);
    expect(refusal).toMatch(
      /open incident holding its fingerprint affects a model of another team/,
    );
    expect(refusal).not.toContain("7");
  });

  it("lets admins touch any team's, and holds people to their team like tokens", () => {
    const theirs = [{ kind: "model" as const, name: "assistant-llm-70b", teamId: "assistant" }];
    expect(alertScopeRefusal({ kind: "user", role: "admin", teamId: null }, theirs)).toBeNull();
    expect(
      alertScopeRefusal({ kind: "user", role: "engineer", teamId: "ranking" }, theirs),
    ).not.toBeNull();
  });
});
