import type { SloSpec } from "@/lib/domain/slos/spec";
import { formatBurnRate } from "@/lib/domain/slos/alerts";

/** 0.99912 → "99.912%"; trailing zeros trimmed so 0.999 reads "99.9%". */
export function percent(x: number, digits = 3): string {
  return `${Number((x * 100).toFixed(digits))}%`;
}

/** A burn rate as people say it: "14.4×"; "—" without data. */
export function burn(x: number | null): string {
  return x === null ? "—" : formatBurnRate(x);
}

/** Minutes as "3 d 4 h", "5 h 10 min" or "12 min". */
export function duration(minutes: number): string {
  const m = Math.round(minutes);
  if (m >= 2 * 1440) return `${Math.floor(m / 1440)} d ${Math.floor((m % 1440) / 60)} h`;
  if (m >= 120) return `${Math.floor(m / 60)} h ${m % 60} min`;
  return `${m} min`;
}

export function windowText(window: SloSpec["window"]): string {
  return window.kind === "rolling" ? `rolling ${window.days} d` : `calendar ${window.unit}`;
}

const UNIT = { latency: "ms", freshness: "s" } as const;

/** "latency under 300 ms", "availability", "accuracy ≥ 0.8". */
export function sliText(spec: Pick<SloSpec, "sliKind" | "threshold">): string {
  if (spec.sliKind === "availability" || spec.threshold === null) return spec.sliKind;
  if (spec.sliKind === "quality") return `accuracy ≥ ${spec.threshold}`;
  return `${spec.sliKind} under ${spec.threshold} ${UNIT[spec.sliKind]}`;
}

/** What one unit of budget is: an event, or a minute for timeslice budgeting. */
export function budgetUnit(method: SloSpec["budgetingMethod"]): string {
  return method === "timeslices" ? "min" : "events";
}

export function compact(n: number): string {
  return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(n);
}
