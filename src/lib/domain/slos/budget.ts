import type { SloWindow } from "@/lib/domain/slos/spec";
import type { EffectiveAlert } from "@/lib/domain/slos/alerts";

/**
 * Error-budget arithmetic for an SLO over a window of good/total event counts.
 * A window with no events has no data: never NaN and never 100%.
 */
export const SLO_STATUSES = ["healthy", "at_risk", "exhausted", "no_data"] as const;
export type SloStatus = (typeof SLO_STATUSES)[number];

export interface BudgetInput {
  good: number;
  total: number;
  /** e.g. 0.999 */
  objective: number;
  /**
   * The units the whole window holds (`budgetUnits`): the budget is then that many units ×
   * (1 − objective), not a share of the units seen so far, so a calendar month does not start
   * with a budget of a few seconds or a few events.
   */
  windowUnits?: number;
}

export type BudgetResult =
  | { status: "no_data" }
  | {
      status: Exclude<SloStatus, "no_data">;
      attainment: number;
      /** allowed bad events in the window: max(total, windowUnits) × (1 − objective) */
      budgetEvents: number;
      badEvents: number;
      /** share of the budget spent, 0..∞ (above 1 when overspent) */
      consumed: number;
      /** share of the budget left, clamped at 0 */
      remaining: number;
    };

/** Below this share of budget left, an SLO is "at risk". */
export const AT_RISK_REMAINING = 0.25;

export function errorBudget({ good, total, objective, windowUnits }: BudgetInput): BudgetResult {
  if (!(objective > 0 && objective < 1)) {
    throw new RangeError(`objective must be between 0 and 1 exclusive, got ${objective}`);
  }
  if (!Number.isFinite(good) || !Number.isFinite(total) || good < 0 || total < 0 || good > total) {
    throw new RangeError(`invalid counts: good=${good} total=${total}`);
  }
  if (total === 0) return { status: "no_data" };
  const badEvents = total - good;
  const budgetEvents = Math.max(total, windowUnits ?? 0) * (1 - objective);
  // 1 − 0.999 is not exactly 0.001 in binary floating point; round away that noise so that
  // spending exactly the budget reads as exhausted and exactly 25% left reads as healthy.
  const consumed = Math.round((badEvents / budgetEvents) * 1e9) / 1e9;
  const remaining = Math.max(0, 1 - consumed);
  const status =
    consumed >= 1 ? "exhausted" : remaining < AT_RISK_REMAINING ? "at_risk" : "healthy";
  return { status, attainment: good / total, budgetEvents, badEvents, consumed, remaining };
}

/**
 * The events an occurrence SLO's calendar period (month or quarter) is expected to hold, which
 * its budget is counted on. Its budget is (1 − objective) × all the period's events; counting it
 * on the events so far would let a handful of errors in the first minutes of a month read
 * "exhausted" and hold the service's releases. So the events still to come are added: the
 * time left at the previous period's rate (its events ÷ its minutes) or at this period's rate so
 * far, whichever is higher.
 * - At the end of the period the estimate is exactly its events, whatever the traffic did.
 * - A previous period without data (a new SLO), or only partly covered, falls back on this
 *   period's pace; a period whose traffic fell keeps the higher rate only for the time left.
 * - "Exhausted" then means: even if everything still expected is served well, the period ends
 *   below its objective. Burn-rate alerts still page on a fast burn at any time.
 */
export function expectedPeriodEvents(input: {
  /** events so far in the period */
  total: number;
  /** minutes of the period elapsed, and its length */
  elapsedMinutes: number;
  periodMinutes: number;
  /** events of the previous period, and its length in minutes */
  previousTotal: number;
  previousMinutes: number;
}): number {
  const { total, periodMinutes, previousTotal, previousMinutes } = input;
  const elapsed = Math.min(Math.max(0, input.elapsedMinutes), periodMinutes);
  const left = periodMinutes - elapsed;
  if (left === 0) return total;
  const previousRate = previousMinutes > 0 ? previousTotal / previousMinutes : 0;
  // Events so far come in whole minutes: at least one has passed once there are any.
  const currentRate = total / Math.max(1, elapsed);
  return total + Math.max(previousRate, currentRate) * left;
}

export interface BudgetUnitsInput {
  method: "occurrences" | "timeslices";
  /** the minutes the whole window (or calendar period) holds */
  windowMinutes: number;
  /** events so far in it (occurrences) */
  total: number;
  /**
   * A calendar period: the minutes elapsed, and the events and minutes of the period before.
   * Null for a rolling window, whose events so far are all of the window's.
   */
  calendar: { elapsedMinutes: number; previousTotal: number; previousMinutes: number } | null;
}

/**
 * The units a window's budget is counted on (`errorBudget`'s windowUnits), wherever a budget
 * is computed (snapshots, the review): a timeslice budget counts every minute of the window, as
 * OpenSLO defines it; an occurrence budget of a calendar period counts the events it is expected
 * to hold (`expectedPeriodEvents`); an occurrence budget of a rolling window counts its events.
 */
export function budgetUnits(input: BudgetUnitsInput): number | undefined {
  if (input.method === "timeslices") return input.windowMinutes;
  if (input.calendar === null) return undefined;
  return expectedPeriodEvents({
    total: input.total,
    periodMinutes: input.windowMinutes,
    ...input.calendar,
  });
}

/**
 * How fast a window spends the error budget: 1 means exactly at the rate that exhausts the
 * budget at the end of the SLO window. Null without traffic (no data, never 0 or NaN).
 */
export function burnRate(good: number, total: number, objective: number): number | null {
  if (!(total > 0) || !Number.isFinite(total) || !Number.isFinite(good)) return null;
  if (!(objective > 0 && objective < 1)) return null;
  const bad = Math.max(0, total - good);
  // As in errorBudget: 1 − objective is inexact in binary, so a burn exactly at an alert's
  // threshold (1×, 6×) could land a hair above it and fire. Nine decimals remove that noise.
  return Math.round((bad / total / (1 - objective)) * 1e9) / 1e9;
}

/** The Google SRE Workbook's fast-burn page threshold: 2% of a 30-day budget in one hour. */
export const FAST_BURN = 14.4;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Where an SLO's window starts. Rolling windows start a whole number of days back, rounded down
 * to the hour (the hourly rollups answer them without reading minutes); calendar windows start
 * at the first day of the UTC month or quarter.
 */
export function windowStart(window: SloWindow, now: Date): Date {
  if (window.kind === "rolling") {
    return new Date(Math.floor((now.getTime() - window.days * DAY_MS) / HOUR_MS) * HOUR_MS);
  }
  const month = now.getUTCMonth();
  const first = window.unit === "month" ? month : month - (month % 3);
  return new Date(Date.UTC(now.getUTCFullYear(), first, 1));
}

/** A review period: a calendar month ("2026-10") or quarter ("2026-Q3"), in UTC. */
export interface ReviewPeriod {
  key: string;
  label: string;
  unit: "month" | "quarter";
  start: Date;
  end: Date;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function periodAt(unit: "month" | "quarter", year: number, firstMonth: number): ReviewPeriod {
  const start = new Date(Date.UTC(year, firstMonth, 1));
  const end = new Date(Date.UTC(year, firstMonth + (unit === "month" ? 1 : 3), 1));
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  return unit === "month"
    ? {
        key: `${y}-${String(m + 1).padStart(2, "0")}`,
        label: `${MONTHS[m]} ${y}`,
        unit,
        start,
        end,
      }
    : { key: `${y}-Q${m / 3 + 1}`, label: `Q${m / 3 + 1} ${y}`, unit, start, end };
}

/** Parses "2026-10" or "2026-Q3"; null for anything else. */
export function parsePeriod(key: string): ReviewPeriod | null {
  // Years from 1970: Date.UTC reads 0–99 as 1900–1999, and SLI data starts well after 1970.
  const month = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/.exec(key);
  if (month) return periodAt("month", Number(month[1]), Number(month[2]) - 1);
  const quarter = /^(19[7-9]\d|[2-9]\d{3})-Q([1-4])$/.exec(key);
  if (quarter) return periodAt("quarter", Number(quarter[1]), (Number(quarter[2]) - 1) * 3);
  return null;
}

/** The month or quarter containing `at`. */
export function periodContaining(unit: "month" | "quarter", at: Date): ReviewPeriod {
  const m = at.getUTCMonth();
  return periodAt(unit, at.getUTCFullYear(), unit === "month" ? m : m - (m % 3));
}

/** The period just before this one (used for change-from-previous). */
export function previousPeriod(period: ReviewPeriod): ReviewPeriod {
  const m = period.start.getUTCMonth() - (period.unit === "month" ? 1 : 3);
  return periodAt(period.unit, period.start.getUTCFullYear(), m);
}

/**
 * Minutes until the budget left is spent at the current burn rate, given the SLO window's
 * length: a burn rate of 1 spends the whole budget in exactly one window. Null when nothing is
 * burning (or no data); 0 when the budget is already gone.
 */
export function timeToExhaustion(
  remaining: number,
  burn: number | null,
  windowMinutes: number,
): number | null {
  if (remaining <= 0) return 0;
  if (burn === null || !(burn > 0) || !(windowMinutes > 0)) return null;
  return (remaining * windowMinutes) / burn;
}

/** One alert window judged against the burn rates of its long and short windows. */
export interface AlertJudgement {
  alert: EffectiveAlert;
  longBurn: number | null;
  shortBurn: number | null;
  firing: boolean;
}

/**
 * Multi-window, multi-burn-rate alerting (SRE Workbook): an alert fires only when both windows
 * burn faster than the threshold: the long window proves it matters, the short one that it is
 * still happening (so the alert resets soon after the burn stops). No data never fires. The
 * alerts are those `effectiveAlerts` gives for the SLO window.
 */
export function judgeAlerts(
  alerts: EffectiveAlert[],
  burnOver: (minutes: number) => number | null,
): AlertJudgement[] {
  return alerts.map((alert) => {
    const longBurn = burnOver(alert.longWindowMinutes);
    const shortBurn = burnOver(alert.shortWindowMinutes);
    const firing =
      longBurn !== null &&
      shortBurn !== null &&
      longBurn > alert.threshold &&
      shortBurn > alert.threshold;
    return { alert, longBurn, shortBurn, firing };
  });
}

/** The most severe firing alert, if any. */
export function firingSeverity(judgements: AlertJudgement[]): "page" | "ticket" | null {
  if (judgements.some((j) => j.firing && j.alert.severity === "page")) return "page";
  if (judgements.some((j) => j.firing)) return "ticket";
  return null;
}

/**
 * The status an SLO shows: exhausted when the budget is spent; at risk when little is left or
 * a burn-rate alert fires (it will run out if nothing changes); otherwise healthy.
 */
export function sloHealth(budget: BudgetResult, firing: "page" | "ticket" | null): SloStatus {
  if (budget.status === "no_data") return "no_data";
  if (budget.status === "exhausted") return "exhausted";
  return firing !== null ? "at_risk" : budget.status;
}

/** The error-budget policy's answer for starting a rollout or promotion of a service. */
export type BudgetGate =
  { allowed: true; override: boolean; warning: string | null } | { allowed: false; reason: string };

/** Whether an exhausted budget release holds changes, or only warns. */
export const BUDGET_POLICIES = ["enforce", "advisory"] as const;
export type BudgetPolicy = (typeof BUDGET_POLICIES)[number];

export interface BudgetGateInput {
  policy: BudgetPolicy;
  /** names of the service's SLOs whose budget is exhausted */
  exhausted: string[];
  /** the change is marked as a fix */
  fix: boolean;
  /** the person asking is an admin */
  admin: boolean;
  /** their reason for overriding the policy */
  overrideReason: string | null;
}

/**
 * A spent budget release holds changes to the service: only fixes go out, and only with an admin's
 * override and a reason. An advisory policy lets changes through with a warning.
 */
export function budgetGate(input: BudgetGateInput): BudgetGate {
  if (input.exhausted.length === 0) return { allowed: true, override: false, warning: null };
  const which = `Error budget exhausted: ${input.exhausted.join(", ")}.`;
  if (input.policy === "advisory") {
    return { allowed: true, override: false, warning: `${which} The policy is advisory.` };
  }
  if (!input.fix) {
    return {
      allowed: false,
      reason: `${which} The error-budget policy allows only fixes until the budget recovers.`,
    };
  }
  if (!input.admin) {
    return {
      allowed: false,
      reason: `${which} A fix needs an admin to override the error-budget policy.`,
    };
  }
  if (!input.overrideReason || input.overrideReason.trim().length < 5) {
    return {
      allowed: false,
      reason: `${which} Give a reason for overriding the error-budget policy.`,
    };
  }
  return { allowed: true, override: true, warning: which };
}
