"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { TIERS } from "@/lib/domain/models/registry";
import type { ActionResult } from "@/lib/schemas/result";
import { createPromotionSchema, type CreatePromotionInput } from "@/lib/schemas/promotions";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { RegionChoices } from "@/components/promotions/region-choices";

export interface RequestableModel {
  name: string;
  displayName: string;
  versions: { version: string; production: boolean; staging: boolean; created: string }[];
  regions: { staging: string[]; production: string[] };
}

const AREA =
  "min-h-24 w-full rounded-md border bg-background px-3 py-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** Ask to promote a version: model, version, tier, regions (all by default), fix, why. */
export function RequestPromotionForm({
  models,
  create,
  initial,
}: {
  models: RequestableModel[];
  create: (input: CreatePromotionInput) => Promise<ActionResult<{ number: number }>>;
  initial: { model?: string; version?: string; tier?: "staging" | "production" };
}) {
  const router = useRouter();
  const first = models.find((m) => m.name === initial.model) ?? models[0];
  const [modelName, setModelName] = useState(first?.name ?? "");
  const model = models.find((m) => m.name === modelName);
  const [version, setVersion] = useState(
    initial.version && first?.versions.some((v) => v.version === initial.version)
      ? initial.version
      : (first?.versions[0]?.version ?? ""),
  );
  const [tier, setTier] = useState<"staging" | "production">(initial.tier ?? "production");
  const [regions, setRegions] = useState<string[]>([]);
  const [fix, setFix] = useState(false);
  const [justification, setJustification] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  if (!model) {
    return (
      <p className="text-sm text-muted-foreground">
        You may not request promotions of any model: release managers request them for their
        team&apos;s models.
      </p>
    );
  }
  const available = model.regions[tier];

  return (
    <form
      aria-label="Request a promotion"
      className="max-w-2xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const input = { model: modelName, version, tier, regions, fix, justification };
        const parsed = createPromotionSchema.safeParse(input);
        if (!parsed.success) {
          const fields: Record<string, string> = {};
          for (const issue of parsed.error.issues) {
            const key = String(issue.path[0] ?? "form");
            fields[key] ??= issue.message;
          }
          setErrors(fields);
          return;
        }
        setErrors({});
        startTransition(async () => {
          const r = await create(input);
          if (r.ok) {
            router.push(`/promotions/${r.data.number}`);
          } else {
            setError(r.error.message);
            setErrors(r.error.fields ?? {});
          }
        });
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="space-y-1">
          <Label htmlFor="promo-model">Model</Label>
          <NativeSelect
            id="promo-model"
            value={modelName}
            onChange={(e) => {
              const m = models.find((x) => x.name === e.target.value);
              setModelName(e.target.value);
              setVersion(m?.versions[0]?.version ?? "");
              setRegions([]);
            }}
          >
            {models.map((m) => (
              <option key={m.name} value={m.name}>
                {m.displayName} ({m.name})
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="space-y-1">
          <Label htmlFor="promo-version">Version</Label>
          <NativeSelect
            id="promo-version"
            value={version}
            onChange={(e) => setVersion(e.target.value)}
            aria-describedby={errors.version ? "promo-version-error" : undefined}
          >
            {model.versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version} · registered {v.created}
                {v.production ? " · in production" : v.staging ? " · in staging" : ""}
              </option>
            ))}
          </NativeSelect>
          {errors.version ? (
            <p id="promo-version-error" className="text-sm text-red-700 dark:text-red-300">
              {errors.version}
            </p>
          ) : null}
        </div>
      </div>
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">Environment</legend>
        <div className="flex gap-4 text-sm">
          {TIERS.map((t) => (
            <label key={t} className="flex items-center gap-2">
              <input
                type="radio"
                name="tier"
                value={t}
                checked={tier === t}
                onChange={() => {
                  setTier(t);
                  setRegions([]);
                }}
              />
              {t}
            </label>
          ))}
        </div>
      </fieldset>
      <RegionChoices
        model={model.name}
        tier={tier}
        choices={available}
        selected={regions}
        onChange={setRegions}
      />
      <label className="flex items-start gap-2 text-sm">
        <input
          type="checkbox"
          className="mt-1"
          checked={fix}
          onChange={(e) => setFix(e.target.checked)}
        />
        <span>
          This is a fix
          <span className="block text-xs text-muted-foreground">
            Fixes may go out during a change freeze; with an exhausted error budget they need an
            admin among the approvers.
          </span>
        </span>
      </label>
      <div className="space-y-1">
        <Label htmlFor="promo-justification">What changes, and why</Label>
        <textarea
          id="promo-justification"
          className={AREA}
          value={justification}
          onChange={(e) => setJustification(e.target.value)}
          aria-invalid={errors.justification ? true : undefined}
          aria-describedby={errors.justification ? "promo-justification-error" : undefined}
        />
        {errors.justification ? (
          <p id="promo-justification-error" className="text-sm text-red-700 dark:text-red-300">
            {errors.justification}
          </p>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Requesting…" : "Request promotion"}
      </Button>
    </form>
  );
}
