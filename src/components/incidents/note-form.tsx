"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { addIncidentNoteSchema, type AddIncidentNoteInput } from "@/lib/schemas/incidents";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";

/** Adds a note to the incident's timeline. */
export function IncidentNoteForm({
  incidentId,
  version,
  add,
}: {
  incidentId: string;
  version: number;
  add: (input: AddIncidentNoteInput) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      aria-label="Add a note"
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        const input = { incidentId, version, note };
        const parsed = addIncidentNoteSchema.safeParse(input);
        if (!parsed.success) {
          setError(parsed.error.issues[0]?.message ?? "Write the note first.");
          return;
        }
        startTransition(async () => {
          const r = await add(input);
          if (r.ok) {
            setError(null);
            setNote("");
            router.refresh();
          } else {
            setError(r.error.message);
            // someone else changed the incident: show what it is now
            if (r.error.code === "CONFLICT") router.refresh();
          }
        });
      }}
    >
      <Label htmlFor="incident-note">Note</Label>
      <textarea
        id="incident-note"
        className="min-h-20 w-full rounded-md border bg-background px-3 py-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "incident-note-error" : undefined}
      />
      <div className="flex items-center gap-3">
        <Button type="submit" size="sm" disabled={pending}>
          {pending ? "Adding…" : "Add note"}
        </Button>
        {error ? (
          <span
            id="incident-note-error"
            role="alert"
            className="text-sm text-red-700 dark:text-red-300"
          >
            {error}
          </span>
        ) : null}
      </div>
    </form>
  );
}
