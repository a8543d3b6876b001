import type { SloSpec, SloWindow } from "@/lib/domain/slos/spec";

const windowKey = (w: SloWindow) => (w.kind === "rolling" ? `${w.days}d` : w.unit);

/**
 * Whether an edit changes what is measured (service, SLI, threshold, timeslice target). Then
 * the old SLI history counts something else: it is dropped with the snapshot, and open alerts
 * resolve, rather than mixing two SLIs in one budget.
 */
export function measuresDifferently(a: SloSpec, b: SloSpec): boolean {
  return (
    a.service !== b.service ||
    a.sliKind !== b.sliKind ||
    a.threshold !== b.threshold ||
    (a.budgetingMethod === "timeslices" &&
      b.budgetingMethod === "timeslices" &&
      a.timesliceTarget !== b.timesliceTarget)
  );
}

/**
 * What in a change of an SLO could end the freeze its spent budget puts on its service: deleting
 * it, changing what it measures (the history goes, so the budget is whole again), a lower
 * objective, or another window or budgeting method (the budget is recomputed on other terms).
 * Null when the change keeps the budget as it is judged now (name, description, alerts, owner
 * team, a stricter objective). `after` is null for a deletion.
 */
export function holdLiftingChange(before: SloSpec, after: SloSpec | null): string | null {
  if (after === null) return "deleting it";
  if (measuresDifferently(before, after)) return "changing what it measures";
  if (after.objective < before.objective) return "lowering its objective";
  if (windowKey(after.window) !== windowKey(before.window)) return "changing its window";
  if (after.budgetingMethod !== before.budgetingMethod) return "changing its budgeting method";
  return null;
}

/** The shortest reason an admin may give for overriding the error-budget policy. */
export const MIN_OVERRIDE_REASON = 5;
