import type { BudgetPolicy } from "@/lib/domain/slos/budget";
import { SloLinks } from "@/components/slos/slo-links";

/** A service's error-budget policy state, as shown wherever a change to it is started. */
export interface BudgetPolicyView {
  policy: BudgetPolicy;
  exhausted: string[];
  atRisk: string[];
}

/** Releases on hold, warned or clear: in words first, colour second. */
export function BudgetPolicyNotice({ model, state }: { model: string; state: BudgetPolicyView }) {
  if (state.exhausted.length > 0) {
    const held = state.policy === "enforce";
    return (
      <div
        role="status"
        data-testid="budget-policy"
        data-state={held ? "held" : "warning"}
        className={`rounded-md border p-3 text-sm ${held ? "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100" : "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"}`}
      >
        <p className="font-semibold">
          {held ? "⛔ Releases on hold" : "⚠ Error budget exhausted"}: {model}
        </p>
        <p>
          Exhausted: <SloLinks names={state.exhausted} />.
        </p>
        <p>
          {held
            ? "The error-budget policy allows only fixes until the budget recovers, and a fix needs an admin's override with a reason."
            : "The policy for this service is advisory: changes may go out, with this warning recorded."}
        </p>
      </div>
    );
  }
  return (
    <div
      role="status"
      data-testid="budget-policy"
      data-state={state.atRisk.length > 0 ? "at_risk" : "clear"}
      className="rounded-md border p-3 text-sm text-muted-foreground"
    >
      ✓ Error budgets of {model} allow changes
      {state.atRisk.length > 0 ? (
        <>
          {" "}
          (at risk: <SloLinks names={state.atRisk} />)
        </>
      ) : null}
      . Policy: {state.policy === "enforce" ? "releases on hold when exhausted" : "advisory"}.
    </div>
  );
}
