"use client";

import { useState, useTransition } from "react";
import type { BudgetPolicy } from "@/lib/domain/slos/budget";
import type { ActionResult } from "@/lib/schemas/result";
import type { SetBudgetPolicyInput } from "@/lib/schemas/slos";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

/** Admins switch a service between freezing on an exhausted budget and an advisory warning. */
export function BudgetPolicyControl({
  model,
  policy,
  setPolicy,
}: {
  model: string;
  policy: BudgetPolicy;
  setPolicy: (input: SetBudgetPolicyInput) => Promise<ActionResult<{ changed: boolean }>>;
}) {
  const next = policy === "enforce" ? "advisory" : "enforce";
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      aria-label={`Error-budget policy of ${model}`}
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        startTransition(async () => {
          const r = await setPolicy({ model, policy: next, reason });
          if (!r.ok) setError(r.error.message);
          else setReason("");
        });
      }}
    >
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        Reason (audited)
        <Input
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          className="h-8 w-72"
          placeholder="Why the policy changes"
        />
      </label>
      <Button type="submit" size="sm" variant="outline" disabled={pending}>
        {next === "advisory" ? "Make advisory" : "Enforce: hold releases when exhausted"}
      </Button>
      {error ? (
        <p role="alert" className="w-full text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </form>
  );
}
