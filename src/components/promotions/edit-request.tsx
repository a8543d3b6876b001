"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { EditPromotionInput } from "@/lib/schemas/promotions";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { RegionChoices } from "@/components/promotions/region-choices";

const AREA =
  "min-h-20 w-full rounded-md border bg-background px-3 py-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** The requester changes regions, fix or justification; approvals given so far are cleared. */
export function EditRequestForm({
  model,
  requestId,
  version,
  tier,
  choices,
  initial,
  approvals,
  edit,
}: {
  model: string;
  requestId: string;
  version: number;
  tier: string;
  choices: string[];
  initial: { regions: string[]; fix: boolean; justification: string };
  approvals: number;
  edit: (input: EditPromotionInput) => Promise<ActionResult<{ changed: boolean }>>;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [regions, setRegions] = useState(initial.regions);
  const [fix, setFix] = useState(initial.fix);
  const [justification, setJustification] = useState(initial.justification);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  if (!open) {
    return (
      <Button type="button" size="sm" variant="outline" onClick={() => setOpen(true)}>
        Change request
      </Button>
    );
  }
  return (
    <form
      aria-label="Change request"
      className="space-y-3 rounded-md border p-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (
          approvals > 0 &&
          !window.confirm(`Changing the request clears its ${approvals} approval(s). Continue?`)
        )
          return;
        startTransition(async () => {
          const r = await edit({ requestId, version, regions, fix, justification });
          if (r.ok) {
            setError(null);
            setOpen(false);
            router.refresh();
          } else setError(r.error.message);
        });
      }}
    >
      <RegionChoices
        model={model}
        tier={tier}
        choices={choices}
        selected={regions}
        onChange={setRegions}
      />
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={fix} onChange={(e) => setFix(e.target.checked)} />
        This is a fix
      </label>
      <div className="space-y-1">
        <Label htmlFor="edit-justification">What changes, and why</Label>
        <textarea
          id="edit-justification"
          className={AREA}
          value={justification}
          onChange={(e) => setJustification(e.target.value)}
        />
      </div>
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" size="sm" disabled={pending}>
          Save changes
        </Button>
        <Button type="button" size="sm" variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
