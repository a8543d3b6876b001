import type { AlertWindow, SloWindow } from "@/lib/domain/slo-spec";

const MINUTES_PER_DAY = 24 * 60;

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
