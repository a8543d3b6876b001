"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { AssignIncidentRolesInput } from "@/lib/schemas/incidents";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

/** Names the incident commander and the communications lead. */
export function IncidentRolesForm({
  incidentId,
  version,
  commander,
  communications,
  people,
  assign,
}: {
  incidentId: string;
  version: number;
  commander: string | null;
  communications: string | null;
  people: { email: string; name: string }[];
  assign: (input: AssignIncidentRolesInput) => Promise<ActionResult<{ changed: boolean }>>;
}) {
  const router = useRouter();
  const [ic, setIc] = useState(commander ?? "");
  const [comms, setComms] = useState(communications ?? "");
  const [result, setResult] = useState<ActionResult<{ changed: boolean }> | null>(null);
  const [pending, startTransition] = useTransition();
  const options = (current: string | null) => {
    const known = people.some((p) => p.email === current);
    return (
      <>
        <option value="">Nobody</option>
        {current && !known ? <option value={current}>{current}</option> : null}
        {people.map((p) => (
          <option key={p.email} value={p.email}>
            {p.name} ({p.email})
          </option>
        ))}
      </>
    );
  };
  return (
    <form
      aria-label="Assign incident roles"
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        startTransition(async () => {
          const r = await assign({ incidentId, version, commander: ic, communications: comms });
          setResult(r);
          // on a conflict, show what the incident is now
          if (r.ok || r.error.code === "CONFLICT") router.refresh();
        });
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="role-commander">Incident commander</Label>
        <NativeSelect
          id="role-commander"
          className="w-full"
          value={ic}
          onChange={(e) => setIc(e.target.value)}
        >
          {options(commander)}
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="role-communications">Communications lead</Label>
        <NativeSelect
          id="role-communications"
          className="w-full"
          value={comms}
          onChange={(e) => setComms(e.target.value)}
        >
          {options(communications)}
        </NativeSelect>
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" size="sm" variant="outline" disabled={pending}>
          {pending ? "Assigning…" : "Assign roles"}
        </Button>
        {result && !result.ok ? (
          <span role="alert" className="text-sm text-red-700 dark:text-red-300">
            {result.error.message}
          </span>
        ) : (
          <span role="status" aria-live="polite" className="text-sm text-muted-foreground">
            {result?.ok ? (result.data.changed ? "Roles assigned." : "Nothing changed.") : ""}
          </span>
        )}
      </div>
    </form>
  );
}
