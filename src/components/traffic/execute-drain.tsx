"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { StartDrainInput } from "@/lib/schemas/traffic";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/**
 * Executes a checked plan: a stepped drain, or an emergency failover that moves everything at
 * once. Tight or impossible verdicts must be acknowledged first; the server checks again.
 */
export function ExecuteDrain({
  plan,
  flagged,
  impossible,
  startDrain,
}: {
  plan: Pick<StartDrainInput, "region" | "scope" | "name" | "headroom" | "raise">;
  /** models not safe: tight or impossible */
  flagged: number;
  impossible: number;
  startDrain: (
    input: StartDrainInput,
  ) => Promise<ActionResult<{ id: string; alreadyRunning: boolean }>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const run = (form: HTMLFormElement, kind: "drain" | "failover") => {
    const data = new FormData(form);
    const steps = String(data.get("steps") ?? "")
      .split(",")
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isFinite(n) && n > 0);
    const question =
      kind === "failover"
        ? `Fail over ${plan.region} now? All its traffic moves to the other regions at once.`
        : `Drain ${plan.region} in ${steps.length} steps?`;
    if (!window.confirm(question)) return;
    startTransition(async () => {
      const r = await startDrain({
        ...plan,
        kind,
        steps,
        stepSeconds: Number(data.get("stepSeconds")),
        acknowledge: data.get("acknowledge") === "on",
        reason: String(data.get("reason") ?? ""),
      });
      if (r.ok) {
        router.push(`/regions/drains/${r.data.id}`);
      } else {
        setError(r.error.message);
      }
    });
  };
  return (
    <form
      aria-label="Execute the plan"
      className="grid grid-cols-1 gap-3 rounded-lg border bg-card p-4 md:grid-cols-3"
      onSubmit={(e) => {
        e.preventDefault();
        run(e.currentTarget, "drain");
      }}
    >
      <div className="flex flex-col gap-1.5 md:col-span-3">
        <Label htmlFor="drain-reason">Reason</Label>
        <Input
          id="drain-reason"
          name="reason"
          required
          placeholder="Maintenance of us-east-1's load balancers"
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="drain-steps">Steps (% of the region&apos;s traffic moved)</Label>
        <Input id="drain-steps" name="steps" defaultValue="25, 50, 75, 100" />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="drain-step-seconds">Each step holds (seconds), with analysis</Label>
        <Input
          id="drain-step-seconds"
          name="stepSeconds"
          type="number"
          min={5}
          max={3600}
          defaultValue={120}
        />
      </div>
      {flagged > 0 ? (
        <label className="flex items-start gap-2 text-sm md:col-span-3">
          <input type="checkbox" name="acknowledge" className="mt-1" />
          <span>
            I have read the capacity check: {flagged} model{flagged === 1 ? " is" : "s are"} not
            safe
            {impossible > 0
              ? ` (${impossible} impossible: only an emergency failover can move them)`
              : ""}
            .
          </span>
        </label>
      ) : null}
      <div className="flex flex-wrap items-center gap-3 md:col-span-3">
        <Button type="submit" disabled={pending || impossible > 0}>
          {pending ? "Starting…" : "Start drain"}
        </Button>
        <Button
          type="button"
          variant="destructive"
          disabled={pending}
          onClick={(e) => {
            const form = e.currentTarget.form;
            if (form) run(form, "failover");
          }}
        >
          Emergency failover
        </Button>
        {error ? (
          <span role="alert" className="text-sm text-red-700 dark:text-red-300">
            {error}
          </span>
        ) : null}
      </div>
    </form>
  );
}
