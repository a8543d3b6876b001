"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { Button } from "@/components/ui/button";
import type { SloReleaseHold } from "@/components/slos/slo-form";

/** Deletes an SLO after a confirmation; an admin lifting a budget release hold gives a reason. */
export function DeleteSloButton({
  name,
  version,
  hold = null,
  remove,
}: {
  name: string;
  version: number;
  hold?: SloReleaseHold | null;
  remove: (input: {
    name: string;
    version: number;
    overrideReason?: string;
  }) => Promise<ActionResult<{ deleted: boolean }>>;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="flex flex-col items-end gap-1">
      <Button
        type="button"
        size="sm"
        variant="destructive"
        disabled={pending}
        onClick={() => {
          let overrideReason: string | undefined;
          if (hold?.canOverride) {
            const reason = window.prompt(
              `Deleting ${name} lifts the hold on ${hold.service}'s rollouts. Reason for overriding the error-budget policy:`,
            );
            if (reason === null) return;
            overrideReason = reason;
          } else if (!window.confirm(`Delete SLO ${name} and its history? Alerts for it stop.`)) {
            return;
          }
          startTransition(async () => {
            const r = await remove({ name, version, overrideReason });
            if (!r.ok) {
              setError(r.error.message);
              return;
            }
            router.push("/slos");
          });
        }}
      >
        {pending ? "Deleting…" : "Delete SLO"}
      </Button>
      {error ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}
