import { z } from "zod";
import type { SloWindow } from "@/lib/domain/slos/spec";

const MINUTES_PER_DAY = 24 * 60;

/**
 * One multi-window burn-rate alert (Google SRE Workbook, chapter 5): it fires when both the long
 * and the short window spend the budget faster than `budgetFraction` of the whole budget would
 * be spent in `longWindowMinutes`. The burn-rate threshold is derived, never stored, so that
 * other SLO windows (7 d, 28 d, quarters) get correct values (see `effectiveAlerts`).
 */
export const alertWindowSchema = z
  .object({
    severity: z.enum(["page", "ticket"]),
    /** share of the SLO window's whole budget, e.g. 0.02 */
    budgetFraction: z
      .number()
      .gt(0, "budgetFraction must be above 0.")
      .max(1, "budgetFraction is at most 1."),
    longWindowMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60),
    shortWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
  })
  .refine((a) => a.shortWindowMinutes < a.longWindowMinutes, {
    message: "The short window must be shorter than the long window.",
    path: ["shortWindowMinutes"],
  });
export type AlertWindow = z.infer<typeof alertWindowSchema>;

/** The Workbook's recommended alerts for a 30-day SLO: 2%/1h, 5%/6h page; 10%/3d tickets. */
export const DEFAULT_ALERT_WINDOWS: AlertWindow[] = [
  { severity: "page", budgetFraction: 0.02, longWindowMinutes: 60, shortWindowMinutes: 5 },
  { severity: "page", budgetFraction: 0.05, longWindowMinutes: 360, shortWindowMinutes: 30 },
  { severity: "ticket", budgetFraction: 0.1, longWindowMinutes: 4320, shortWindowMinutes: 360 },
];

/**
 * The SLO window's length in minutes. Rolling windows are their days; a calendar window is the
 * current UTC month or quarter containing `now` (28 to 31 days, or 90 to 92), so thresholds
 * follow the budget that is actually being spent.
 */
export function windowMinutes(window: SloWindow, now: Date): number {
  if (window.kind === "rolling") return window.days * MINUTES_PER_DAY;
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const first = window.unit === "month" ? month : month - (month % 3);
  const months = window.unit === "month" ? 1 : 3;
  return (Date.UTC(year, first + months, 1) - Date.UTC(year, first, 1)) / 60_000;
}

/**
 * Binary floating point turns 0.02 × 40320 ÷ 60 into 13.440000000000001; twelve significant
 * digits keep every meaningful digit and drop that noise, so thresholds print and compare as
 * the numbers people compute by hand.
 */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * The burn rate above which an alert window fires: the rate that spends `budgetFraction` of the
 * whole budget in the long window. 30 days: 2%/1h → 14.4, 5%/6h → 6, 10%/3d → 1.
 */
export function burnRateThreshold(alert: AlertWindow, sloWindowMinutes: number): number {
  return clean((alert.budgetFraction * sloWindowMinutes) / alert.longWindowMinutes);
}

/** The inverse of `burnRateThreshold`: the share of the budget a burn rate spends in a window. */
export function budgetFractionOf(
  burnRate: number,
  longWindowMinutes: number,
  sloWindowMinutes: number,
): number {
  return clean((burnRate * longWindowMinutes) / sloWindowMinutes);
}

/** A burn rate as people say it: "14.4×", "1.25×", "230×". */
export function formatBurnRate(x: number): string {
  return `${x >= 100 ? Math.round(x) : Number(x.toFixed(x >= 10 ? 1 : 2))}×`;
}

/**
 * A window as both OpenSLO's duration shorthand and Prometheus write it: the largest whole unit
 * of days, hours or minutes (1440 → "1d", 360 → "6h", 90 → "90m").
 */
export function formatWindow(minutes: number): string {
  if (minutes % MINUTES_PER_DAY === 0) return `${minutes / MINUTES_PER_DAY}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/**
 * The slowest burn an alert may fire on. At 1× a burn spends exactly the budget by the end of
 * the window, so an alert well below it fires on a service that keeps its objective; 0.9 leaves
 * room for the Workbook's 3-day ticket on 28 days (0.93×, as Sloth has it) and in February.
 */
export const MIN_ALERT_BURN_RATE = 0.9;

/** The SLO window the Workbook's alert windows are written for. */
const REFERENCE_WINDOW_MINUTES = 30 * MINUTES_PER_DAY;
/** SLO windows of a month's length take those windows as written (28 days as in Sloth). */
const MONTH_LENGTH = { min: 28 * MINUTES_PER_DAY, max: 31 * MINUTES_PER_DAY };

/** An alert as Flightdeck evaluates it on one SLO window. */
export interface EffectiveAlert extends AlertWindow {
  /** the burn rate both windows must exceed to fire */
  threshold: number;
  /** the alert as the SLO defines it: differs in its windows when the defaults were scaled */
  written: AlertWindow;
}

const sameAlert = (a: AlertWindow, b: AlertWindow) =>
  a.severity === b.severity &&
  a.budgetFraction === b.budgetFraction &&
  a.longWindowMinutes === b.longWindowMinutes &&
  a.shortWindowMinutes === b.shortWindowMinutes;

/** Whether an SLO's alerts are the Workbook's defaults (in any order), written out or not. */
export function isDefaultAlertPolicy(alerts: readonly AlertWindow[]): boolean {
  return (
    alerts.length === DEFAULT_ALERT_WINDOWS.length &&
    DEFAULT_ALERT_WINDOWS.every((d) => alerts.some((a) => sameAlert(a, d)))
  );
}

/**
 * The alerts an SLO fires on, for an SLO window of `sloWindowMinutes`: the one rule the
 * evaluator, the Prometheus rules, the OpenSLO export and the form's preview share.
 *
 * - Alerts written out in the SLO apply as written; the threshold follows the window
 *   (`burnRateThreshold`). Validation refuses ones whose threshold would be under
 *   MIN_ALERT_BURN_RATE (see `alertPolicyProblems`).
 * - The default alerts (the Workbook's, for 30 days) apply as written on windows of 28 to 31
 *   days (rolling 28 or 30, every calendar month): 14.4×, 6×, 1× on 30 days, 13.44×, 5.6×,
 *   0.93× on 28. On any other window they keep their 30-day burn rates and their windows scale
 *   with the SLO window (window × SLO window ÷ 30 days, to the minute, at least 1), as Pyrra
 *   does: 7 days page at 14.4× over 14 min (and 1 min) and ticket at 1× over 16.8 h, where the
 *   unscaled 3-day ticket would fire at 0.23×, a burn that never exhausts a 7-day budget.
 *   Either way each alert still spends its share of the budget (2%, 5%, 10%) before it fires.
 */
export function effectiveAlerts(
  alerts: readonly AlertWindow[],
  sloWindowMinutes: number,
): EffectiveAlert[] {
  const scaled =
    isDefaultAlertPolicy(alerts) &&
    (sloWindowMinutes < MONTH_LENGTH.min || sloWindowMinutes > MONTH_LENGTH.max);
  return alerts.map((written) => {
    if (!scaled) {
      return { ...written, threshold: burnRateThreshold(written, sloWindowMinutes), written };
    }
    const scale = (minutes: number) =>
      Math.max(1, Math.round((minutes * sloWindowMinutes) / REFERENCE_WINDOW_MINUTES));
    const longWindowMinutes = scale(written.longWindowMinutes);
    const threshold = burnRateThreshold(written, REFERENCE_WINDOW_MINUTES);
    return {
      severity: written.severity,
      budgetFraction: budgetFractionOf(threshold, longWindowMinutes, sloWindowMinutes),
      longWindowMinutes,
      shortWindowMinutes: scale(written.shortWindowMinutes),
      threshold,
      written,
    };
  });
}

/**
 * The shortest an SLO window can be, where an alert's threshold is lowest: a rolling window's
 * days, a calendar month's 28 (February), a calendar quarter's 90 (January to March).
 */
export function shortestWindowMinutes(window: SloWindow): number {
  if (window.kind === "rolling") return window.days * MINUTES_PER_DAY;
  return (window.unit === "month" ? 28 : 90) * MINUTES_PER_DAY;
}

const windowName = (window: SloWindow, minutes: number) =>
  window.kind === "rolling"
    ? `a ${window.days}-day window`
    : `a calendar ${window.unit} (${minutes / MINUTES_PER_DAY} days at the shortest)`;

/** Two significant digits rounded down, so a burn rate just under 0.9 never reads "0.9". */
function twoDigitsDown(x: number): number {
  const unit = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Number((Math.floor(Number((x / unit).toPrecision(12))) * unit).toPrecision(2));
}

/** A share as a percent with at most two decimals, rounded up so that the figure is enough. */
const percentUp = (share: number) => `${Math.ceil(Number((share * 1e4).toPrecision(12))) / 100}%`;

/**
 * Alerts written out in an SLO that would fire on a burn too slow to matter: below
 * MIN_ALERT_BURN_RATE on the shortest window the SLO can have. Each problem names the alert
 * (its position, severity, share and window) and what would make it valid.
 */
export function alertPolicyProblems(
  alerts: readonly AlertWindow[],
  window: SloWindow,
): { index: number; message: string }[] {
  const minutes = shortestWindowMinutes(window);
  return effectiveAlerts(alerts, minutes).flatMap((a, index) => {
    if (a.threshold >= MIN_ALERT_BURN_RATE) return [];
    const long = formatWindow(a.longWindowMinutes);
    const share = `${Number((a.budgetFraction * 100).toPrecision(12))}%`;
    const minShare = (MIN_ALERT_BURN_RATE * a.longWindowMinutes) / minutes;
    const maxLong = Math.floor((a.budgetFraction * minutes) / MIN_ALERT_BURN_RATE);
    const fixes = [
      ...(minShare <= 1 ? [`at least ${percentUp(minShare)} of the budget in ${long}`] : []),
      ...(maxLong > a.shortWindowMinutes && maxLong >= 5
        ? [`${share} in a long window of at most ${formatWindow(maxLong)}`]
        : []),
    ];
    return [
      {
        index,
        message:
          `Alert ${index + 1} (${a.severity}: ${share} of the budget in ${long}) would fire at ` +
          `${twoDigitsDown(a.threshold)}× on ${windowName(window, minutes)}, under ` +
          `${MIN_ALERT_BURN_RATE}×: a burn that slow cannot come near exhausting the budget. ` +
          (fixes.length > 0
            ? `Make it ${fixes.join(", or ")}.`
            : `Give it a shorter long window and a larger share of the budget.`),
      },
    ];
  });
}
