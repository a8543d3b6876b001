/**
 * Error-budget arithmetic for an SLO over a window of good/total event counts.
 * A window with no events has no data: never NaN and never 100%.
 */
export type SloStatus = "healthy" | "at_risk" | "exhausted" | "no_data";

export interface BudgetInput {
  good: number;
  total: number;
  /** e.g. 0.999 */
  objective: number;
}

export type BudgetResult =
  | { status: "no_data" }
  | {
      status: Exclude<SloStatus, "no_data">;
      attainment: number;
      /** allowed bad events in the window: total × (1 − objective) */
      budgetEvents: number;
      badEvents: number;
      /** share of the budget spent, 0..∞ (above 1 when overspent) */
      consumed: number;
      /** share of the budget left, clamped at 0 */
      remaining: number;
    };

/** Below this share of budget left, an SLO is "at risk". */
export const AT_RISK_REMAINING = 0.25;

export function errorBudget({ good, total, objective }: BudgetInput): BudgetResult {
  if (!(objective > 0 && objective < 1)) {
    throw new RangeError(`objective must be between 0 and 1 exclusive, got ${objective}`);
  }
  if (good < 0 || total < 0 || good > total) {
    throw new RangeError(`invalid counts: good=${good} total=${total}`);
  }
  if (total === 0) return { status: "no_data" };
  const badEvents = total - good;
  const budgetEvents = total * (1 - objective);
  // 1 − 0.999 is not exactly 0.001 in binary floating point; round away that noise so that
  // spending exactly the budget reads as exhausted and exactly 25% left reads as healthy.
  const consumed = Math.round((badEvents / budgetEvents) * 1e9) / 1e9;
  const remaining = Math.max(0, 1 - consumed);
  const status =
    consumed >= 1 ? "exhausted" : remaining < AT_RISK_REMAINING ? "at_risk" : "healthy";
  return { status, attainment: good / total, budgetEvents, badEvents, consumed, remaining };
}

/**
 * How fast a window spends the error budget: 1 means exactly at the rate that exhausts the
 * budget at the end of the SLO window. Null without traffic (no data, never 0 or NaN).
 */
export function burnRate(good: number, total: number, objective: number): number | null {
  if (total <= 0 || objective >= 1) return null;
  const bad = Math.max(0, total - good);
  return bad / total / (1 - objective);
}

/** The Google SRE Workbook's fast-burn page threshold: 2% of a 30-day budget in one hour. */
export const FAST_BURN = 14.4;
