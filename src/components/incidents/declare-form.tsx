"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { SEVERITIES } from "@/lib/domain/incidents/lifecycle";
import { declareIncidentSchema, type DeclareIncidentInput } from "@/lib/schemas/incidents";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FieldError } from "@/components/common/field-error";

export interface DeclareChoices {
  models: { name: string; displayName: string }[];
  regions: { code: string; name: string }[];
  slos: { name: string; displayName: string | null }[];
  people: { email: string; name: string }[];
}

const AREA =
  "min-h-24 w-full rounded-md border bg-background px-3 py-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";
const ERROR = "text-sm text-red-700 dark:text-red-300";

const SEVERITY_HINTS: Record<string, string> = {
  SEV1: "SEV1 — critical: a major outage for many users",
  SEV2: "SEV2 — major: a large degradation or a critical feature down",
  SEV3: "SEV3 — minor: a partial degradation with a workaround",
  SEV4: "SEV4 — low: little user impact",
};

/** A multi-select whose selection is read back as a list of values. */
function MultiSelect({
  id,
  label,
  hint,
  options,
  value,
  onChange,
  error,
}: {
  id: string;
  label: string;
  hint: string;
  options: { value: string; label: string }[];
  value: string[];
  onChange: (v: string[]) => void;
  error?: string;
}) {
  return (
    <div className="space-y-1">
      <Label htmlFor={id}>{label}</Label>
      <select
        id={id}
        multiple
        size={Math.min(6, Math.max(3, options.length))}
        className="w-full rounded-md border border-input bg-background px-2 py-1 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        value={value}
        onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ""}`}
        aria-invalid={error ? true : undefined}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <p id={`${id}-hint`} className="text-xs text-muted-foreground">
        {hint}
      </p>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/** Declare an incident: what is wrong, how bad, what it affects, and who leads. */
export function DeclareIncidentForm({
  choices,
  declare,
  you,
}: {
  choices: DeclareChoices;
  declare: (input: DeclareIncidentInput) => Promise<ActionResult<{ number: number }>>;
  you: string;
}) {
  const router = useRouter();
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState("SEV3");
  const [summary, setSummary] = useState("");
  const [models, setModels] = useState<string[]>([]);
  const [regions, setRegions] = useState<string[]>([]);
  const [slos, setSlos] = useState<string[]>([]);
  const [commander, setCommander] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const multi = " Ctrl- or Cmd-click (Space with the keyboard) to choose several.";

  return (
    <form
      aria-label="Declare an incident"
      className="max-w-2xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const input = {
          title,
          severity: severity as DeclareIncidentInput["severity"],
          summary,
          affectedModels: models,
          affectedRegions: regions,
          linkedSlos: slos,
          commander,
        };
        const parsed = declareIncidentSchema.safeParse(input);
        if (!parsed.success) {
          const fields: Record<string, string> = {};
          for (const issue of parsed.error.issues) {
            fields[String(issue.path[0] ?? "form")] ??= issue.message;
          }
          setErrors(fields);
          setError(null);
          return;
        }
        setErrors({});
        startTransition(async () => {
          const r = await declare(input);
          if (r.ok) {
            router.push(`/incidents/${r.data.number}`);
          } else {
            setError(r.error.message);
            setErrors(r.error.fields ?? {});
          }
        });
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="incident-title">Title</Label>
        <Input
          id="incident-title"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          aria-invalid={errors.title ? true : undefined}
          aria-describedby={errors.title ? "incident-title-error" : undefined}
        />
        <FieldError id="incident-title-error" message={errors.title} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="incident-severity">Severity</Label>
        <NativeSelect
          id="incident-severity"
          className="w-full"
          value={severity}
          onChange={(e) => setSeverity(e.target.value)}
        >
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {SEVERITY_HINTS[s]}
            </option>
          ))}
        </NativeSelect>
        <FieldError id="incident-severity-error" message={errors.severity} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="incident-summary">Summary</Label>
        <textarea
          id="incident-summary"
          className={AREA}
          value={summary}
          onChange={(e) => setSummary(e.target.value)}
        />
        <FieldError id="incident-summary-error" message={errors.summary} />
      </div>
      <div className="space-y-4">
        <MultiSelect
          id="incident-models"
          label="Affected models"
          hint={`Models in the registry.${multi}`}
          options={choices.models.map((m) => ({
            value: m.name,
            label: `${m.displayName} (${m.name})`,
          }))}
          value={models}
          onChange={setModels}
          error={errors.affectedModels}
        />
        <MultiSelect
          id="incident-regions"
          label="Affected regions"
          hint={`Regions the fleet runs in.${multi}`}
          options={choices.regions.map((r) => ({ value: r.code, label: `${r.code} (${r.name})` }))}
          value={regions}
          onChange={setRegions}
          error={errors.affectedRegions}
        />
        <MultiSelect
          id="incident-slos"
          label="Linked SLOs"
          hint={`SLOs whose error budget this incident burns.${multi}`}
          options={choices.slos.map((s) => ({ value: s.name, label: s.name }))}
          value={slos}
          onChange={setSlos}
          error={errors.linkedSlos}
        />
      </div>
      <div className="space-y-1">
        <Label htmlFor="incident-commander">Incident commander</Label>
        <NativeSelect
          id="incident-commander"
          className="w-full"
          value={commander}
          onChange={(e) => setCommander(e.target.value)}
        >
          <option value="">Nobody yet</option>
          {choices.people.map((p) => (
            <option key={p.email} value={p.email}>
              {p.name} ({p.email}){p.email === you ? " — you" : ""}
            </option>
          ))}
        </NativeSelect>
        <FieldError id="incident-commander-error" message={errors.commander} />
      </div>
      {error ? (
        <p role="alert" className={ERROR}>
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Declaring…" : "Declare incident"}
      </Button>
    </form>
  );
}
