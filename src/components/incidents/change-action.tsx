"use client";

import { useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { ActionResult } from "@/lib/schemas/result";
import type { ActOnChangeInput } from "@/lib/schemas/incidents";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export interface ChangeActionView {
  kind: "abort" | "rollback";
  rolloutId: string;
  rolloutVersion: number;
  model: string;
  environment: string;
  toVersion: string;
  blastRadius: string;
}

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
  change: ChangeActionView;
  act: (input: ActOnChangeInput) => Promise<ActionResult<{ rolloutId: string }>>;
}) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const label = LABEL[change.kind];
  const titleId = `confirm-${change.rolloutId}`;

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
      dialog.current?.close();
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
          dialog.current?.showModal();
        }}
      >
        {label}
      </Button>
      {done ? (
        <span role="status" className="text-xs text-muted-foreground">
          {done}
        </span>
      ) : null}
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="w-[32rem] max-w-[95vw] rounded-lg border bg-card p-5 text-card-foreground shadow-lg backdrop:bg-black/40"
      >
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            run();
          }}
          className="space-y-3"
        >
          <h2 id={titleId} className="text-base font-semibold">
            {label} {change.model} in {change.environment}?
          </h2>
          <div className="rounded-md border bg-muted/50 p-3 text-sm" data-testid="blast-radius">
            <div className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted-foreground">
              Blast radius
            </div>
            {change.blastRadius}
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor={`reason-${change.rolloutId}`}>Reason (optional)</Label>
            <Input
              id={`reason-${change.rolloutId}`}
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          {error ? (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {error}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <Button type="button" variant="outline" onClick={() => dialog.current?.close()}>
              Cancel
            </Button>
            <Button type="submit" variant="destructive" disabled={pending}>
              {pending ? "Working…" : `Confirm: ${label.toLowerCase()}`}
            </Button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
