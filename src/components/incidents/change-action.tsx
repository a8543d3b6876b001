"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/schemas/result";
import type { ActOnChangeInput, ChangeAction } from "@/lib/schemas/incidents";
import { BlastRadiusDialog } from "@/components/common/blast-radius-dialog";
import { Button } from "@/components/ui/button";

const LABEL = { abort: "Abort", rollback: "Roll back" } as const;

/**
 * The abort or rollback button of one suspected change, behind a confirmation that states its
 * blast radius. Acts through the rollout engine; the page refreshes to show the new state.
 */
export function ChangeActionButton({
  incidentId,
  change,
  act,
}: {
  incidentId: string;
  change: ChangeAction;
  act: (input: ActOnChangeInput) => Promise<ActionResult<{ rolloutId: string }>>;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const label = LABEL[change.kind];

  const run = () => {
    startTransition(async () => {
      const result = await act({
        incidentId,
        rolloutId: change.rolloutId,
        rolloutVersion: change.rolloutVersion,
        action: change.kind,
        reason,
      });
      if (!result.ok) {
        setError(result.error.message);
        router.refresh();
        return;
      }
      setOpen(false);
      setDone(
        change.kind === "abort"
          ? `Aborted: traffic goes back to ${change.toVersion}.`
          : `Rolling back to ${change.toVersion}.`,
      );
      router.refresh();
    });
  };

  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        size="sm"
        variant="destructive"
        onClick={() => {
          setError(null);
          setReason("");
          setOpen(true);
        }}
      >
        {label}
      </Button>
      {done ? (
        <span role="status" className="text-xs text-muted-foreground">
          {done}
        </span>
      ) : null}
      <BlastRadiusDialog
        open={open}
        onClose={() => setOpen(false)}
        title={`${label} ${change.model} in ${change.environment}?`}
        blastRadius={change.blastRadius}
        action={label.toLowerCase()}
        destructive
        reason={{ value: reason, onChange: setReason, label: "Reason (optional)" }}
        pending={pending}
        error={error}
        onConfirm={run}
      />
    </div>
  );
}
