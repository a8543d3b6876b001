import { errorBudget } from "../slos/budget";
import type { IncidentLifecycle } from "./lifecycle";

/**
 * SLO impact: how much of each linked SLO's error budget an incident consumed.
 *
 * The budget is the SLO window's, as the SLO page computes it (errorBudget): the window's total
 * events × (1 − objective), or for timeslice budgeting the window's minutes × (1 − objective).
 * The share consumed is the bad events (or bad minutes) during the incident over that budget:
 * 0.25 means the incident spent a quarter of the window's budget; above 1 it overspent it.
 */
export function budgetConsumedDuring(input: {
  /** good and total events (timeslices: good and total minutes) during the incident */
  during: { good: number; total: number };
  /** total events (timeslices: minutes with data) in the SLO window holding the incident */
  windowTotal: number;
  /** timeslice budgeting: the minutes the whole SLO window holds (see BudgetInput.windowUnits) */
  windowUnits?: number;
  objective: number;
}): number {
  const { during, windowTotal, windowUnits, objective } = input;
  if (!Number.isFinite(windowTotal) || windowTotal < 0) {
    throw new RangeError(`invalid window total: ${windowTotal}`);
  }
  // errorBudget sizes the budget by max(total, windowUnits): giving it the incident's counts with
  // the window's size as the units yields exactly bad during the incident ÷ the window's budget,
  // with the same rounding as the SLO page. The window holds the incident, so its total is at
  // least the incident's; inconsistent counts cannot make the budget smaller than that.
  const budget = errorBudget({
    good: during.good,
    total: during.total,
    objective,
    windowUnits: Math.max(windowTotal, windowUnits ?? 0),
  });
  return budget.status === "no_data" ? 0 : budget.consumed;
}

/**
 * The span whose SLI counts are charged to an incident: from detection until it was resolved,
 * or cancelled, or until `now` while it is open. Reopening clears resolvedAt, so a reopened
 * incident is charged until its final resolution.
 */
export function incidentImpactWindow(
  incident: Pick<IncidentLifecycle, "status" | "detectedAt" | "resolvedAt" | "closedAt">,
  now: Date,
): { start: Date; end: Date } {
  const end =
    incident.resolvedAt ??
    (incident.status === "cancelled" ? incident.closedAt : null) ??
    (now.getTime() > incident.detectedAt.getTime() ? now : incident.detectedAt);
  return { start: incident.detectedAt, end };
}
