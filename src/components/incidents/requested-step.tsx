"use client";

import { usePathname, useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { BlastRadiusDialog } from "@/components/common/blast-radius-dialog";
import type { ActionResult } from "@/lib/schemas/result";
import { incidentActionLabel, type IncidentPaletteStep } from "@/lib/domain/navigation/search";

function consequence(step: IncidentPaletteStep, number: number): string {
  switch (step) {
    case "acknowledge":
      return `Incident #${number} is acknowledged by you now: its time to acknowledge (MTTA) stops, the timeline records it, and the channels that follow it (PagerDuty included) are told.`;
    case "investigate":
      return `Incident #${number} moves to investigating; the timeline records it.`;
    case "mitigate":
      return `Incident #${number} is marked mitigated: the impact is contained, its time to resolve (MTTR) keeps counting until it is resolved, and the channels that follow it are told.`;
  }
}

/**
 * A lifecycle step asked for by `?act=` (the command palette, the `a` key): the confirmation
 * opens with what the step changes; nothing happens until it is confirmed. A step the incident
 * no longer accepts says so instead.
 */
export function RequestedIncidentStep({
  incidentId,
  number,
  version,
  step,
  available,
  status,
  action,
}: {
  incidentId: string;
  number: number;
  version: number;
  step: IncidentPaletteStep;
  available: boolean;
  status: string;
  action: (input: {
    incidentId: string;
    version: number;
    event: IncidentPaletteStep;
  }) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const [open, setOpen] = useState(available);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const done = () => {
    setOpen(false);
    router.replace(pathname, { scroll: false });
  };
  if (!available) {
    return (
      <p
        role="status"
        className="mb-3 text-sm text-amber-800 dark:text-amber-200"
        data-testid="act-unavailable"
      >
        “{incidentActionLabel(step, number)}” is not available to you now (the incident is {status}
        ).
      </p>
    );
  }
  return (
    <BlastRadiusDialog
      open={open}
      onClose={done}
      title={`${incidentActionLabel(step, number)}?`}
      blastRadius={consequence(step, number)}
      action={step}
      destructive={false}
      pending={pending}
      error={error}
      onConfirm={() =>
        startTransition(async () => {
          const result = await action({ incidentId, version, event: step });
          if (!result.ok) {
            setError(result.error.message);
            if (result.error.code === "UNAVAILABLE" || result.error.code === "CONFLICT") {
              router.refresh();
            }
            return;
          }
          done();
          router.refresh();
        })
      }
    />
  );
}
