"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { Strategy } from "@/lib/domain/rollouts/plan";
import {
  DEFAULT_OUTAGE_MINUTES,
  describeMetricsOutagePolicy,
  type MetricsOutagePolicy,
} from "@/lib/domain/rollouts/blocked";
import type { ActionResult } from "@/lib/schemas/result";
import type { StartRolloutInput } from "@/lib/schemas/rollouts";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { BudgetPolicyNotice, type BudgetPolicyView } from "@/components/slos/budget-policy";
import { useZone } from "@/components/common/zone-context";
import { formatInZone } from "@/lib/display-zone";

export interface StartableModel {
  name: string;
  versions: string[];
  steps: string;
  waves: string;
  strategy: Strategy;
  /** what the saved (or default) plan does when metrics are unavailable during analysis */
  metricsOutage: MetricsOutagePolicy;
  savedPlan: boolean;
  budget: BudgetPolicyView;
  /** environments that take changes only through promotions */
  promotionsOnly: string[];
  /** change freezes in force over its environments */
  frozen: { environment: string; freeze: string; endsAt: Date }[];
}

function minutesOf(policy: MetricsOutagePolicy | undefined): string {
  return String(
    policy?.action === "return_to_stable" ? policy.afterMinutes : DEFAULT_OUTAGE_MINUTES,
  );
}

/** The environments a waves text names, one wave per line, separated by commas. */
function environmentsIn(waves: string): string[] {
  return waves
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter(Boolean);
}

type Started = { rollouts: { id: string; environment: string; wave: number }[]; skipped: string[] };

const AREA =
  "min-h-32 w-full rounded-md border bg-background px-3 py-2 font-mono text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

/** Start a rollout: pick the version, review or edit the plan (steps and waves), confirm. */
export function StartRolloutForm({
  models,
  start,
  initialModel,
}: {
  models: StartableModel[];
  start: (input: StartRolloutInput) => Promise<ActionResult<Started>>;
  initialModel?: string;
}) {
  const router = useRouter();
  const zone = useZone();
  const [modelName, setModelName] = useState(initialModel ?? models[0]?.name ?? "");
  const model = models.find((m) => m.name === modelName);
  const [version, setVersion] = useState(model?.versions[0] ?? "");
  const [steps, setSteps] = useState(model?.steps ?? "");
  const [waves, setWaves] = useState(model?.waves ?? "");
  const [strategy, setStrategy] = useState<Strategy>(model?.strategy ?? "canary");
  const [outage, setOutage] = useState(model?.metricsOutage.action ?? "hold");
  const [outageMinutes, setOutageMinutes] = useState(minutesOf(model?.metricsOutage));
  const [saveAsDefault, setSaveAsDefault] = useState(false);
  const [fix, setFix] = useState(false);
  const [overrideReason, setOverrideReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const planned = new Set(environmentsIn(waves));
  const gated = (model?.promotionsOnly ?? []).filter((e) => planned.has(e));
  const frozen = (model?.frozen ?? []).filter((f) => planned.has(f.environment));
  const budgetHold =
    model !== undefined && model.budget.exhausted.length > 0 && model.budget.policy === "enforce";

  const choose = (name: string) => {
    const m = models.find((x) => x.name === name);
    setModelName(name);
    setVersion(m?.versions[0] ?? "");
    setSteps(m?.steps ?? "");
    setWaves(m?.waves ?? "");
    setStrategy(m?.strategy ?? "canary");
    setOutage(m?.metricsOutage.action ?? "hold");
    setOutageMinutes(minutesOf(m?.metricsOutage));
  };
  const policy: MetricsOutagePolicy =
    outage === "hold"
      ? { action: "hold" }
      : { action: "return_to_stable", afterMinutes: Number(outageMinutes) || 0 };

  if (models.length === 0) {
    return (
      <p className="text-sm text-muted-foreground">You may not start rollouts of any model.</p>
    );
  }
  return (
    <form
      aria-label="Start a rollout"
      className="max-w-3xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const waveLines = waves.split("\n").filter((l) => l.trim()).length;
        if (
          !window.confirm(
            `Roll out ${modelName} ${version} in ${waveLines} wave${waveLines === 1 ? "" : "s"}:\n${waves}\n\nEach wave starts when the previous one completes; a failed analysis returns its traffic to the stable version.`,
          )
        )
          return;
        startTransition(async () => {
          const r = await start({
            model: modelName,
            version,
            strategy,
            steps,
            waves,
            saveAsDefault,
            fix,
            overrideReason: fix ? overrideReason : "",
            metricsOutage: outage,
            ...(outage === "return_to_stable" ? { metricsOutageMinutes: outageMinutes } : {}),
          });
          if (!r.ok) {
            setError(r.error.message);
            return;
          }
          const first = r.data.rollouts[0];
          if (first) router.push(`/rollouts/${first.id}`);
        });
      }}
    >
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="start-model">Model</Label>
          <NativeSelect id="start-model" value={modelName} onChange={(e) => choose(e.target.value)}>
            {models.map((m) => (
              <option key={m.name} value={m.name}>
                {m.name}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="start-version">Version</Label>
          <NativeSelect
            id="start-version"
            value={version}
            onChange={(e) => setVersion(e.target.value)}
          >
            {model?.versions.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="start-strategy">Strategy</Label>
          <NativeSelect
            id="start-strategy"
            value={strategy}
            onChange={(e) => {
              const next = e.target.value as Strategy;
              setStrategy(next);
              // Blue-green: the new version waits at 0% as a preview, then takes all traffic.
              if (next === "blue_green") setSteps("pause\nweight 100");
              else setSteps(model?.steps ?? "");
            }}
          >
            <option value="canary">Canary</option>
            <option value="blue_green">Blue-green</option>
          </NativeSelect>
        </div>
      </div>
      {model ? <BudgetPolicyNotice model={model.name} state={model.budget} /> : null}
      {gated.length > 0 || frozen.length > 0 ? (
        <div
          role="status"
          data-testid="release-process"
          className="space-y-1 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
        >
          {gated.length > 0 ? (
            <p>
              {gated.join(", ")} {gated.length === 1 ? "takes" : "take"} changes only through
              promotions:{" "}
              <Link
                className="underline"
                href={`/promotions/new?model=${encodeURIComponent(modelName)}`}
              >
                request a promotion
              </Link>
              , or an admin may push a fix through with a reason.
            </p>
          ) : null}
          {frozen.map((f) => (
            <p key={`${f.freeze}-${f.environment}`}>
              Change freeze &ldquo;{f.freeze}&rdquo; covers {f.environment} until{" "}
              {formatInZone(new Date(f.endsAt), zone)}: only an admin&apos;s fix, with a reason,
              goes out.
            </p>
          ))}
        </div>
      ) : null}
      {budgetHold || gated.length > 0 || frozen.length > 0 ? (
        <fieldset className="space-y-2 rounded-md border p-3">
          <legend className="px-1 text-sm font-medium">Admin override</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={fix} onChange={(e) => setFix(e.target.checked)} />
            This change is a fix that cannot wait
          </label>
          {fix ? (
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="start-override">Reason for the override (admins only, audited)</Label>
              <textarea
                id="start-override"
                className={AREA.replace("min-h-32", "min-h-16")}
                value={overrideReason}
                onChange={(e) => setOverrideReason(e.target.value)}
                placeholder="What this fixes and why it cannot wait for a promotion or for the budget to recover"
              />
            </div>
          ) : null}
        </fieldset>
      ) : null}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="start-steps">Steps, one per line</Label>
          <textarea
            id="start-steps"
            className={AREA}
            value={steps}
            onChange={(e) => setSteps(e.target.value)}
          />
          <p className="text-xs text-muted-foreground">
            <code>weight 10</code>, <code>pause 60s</code>, <code>pause</code> (until promoted),{" "}
            <code>analysis 120s every 30s</code>. Weights must rise.
          </p>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="start-waves">Waves, one per line</Label>
          <textarea
            id="start-waves"
            className={AREA}
            value={waves}
            onChange={(e) => setWaves(e.target.value)}
          />
          <p className="text-xs text-muted-foreground">
            Environments separated by commas. Each wave starts when the one before completes.
          </p>
        </div>
      </div>
      <fieldset className="space-y-2 rounded-md border p-3">
        <legend className="px-1 text-sm font-medium">
          If metrics are unavailable during analysis
        </legend>
        <div className="flex flex-wrap items-center gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="metrics-outage"
              value="hold"
              checked={outage === "hold"}
              onChange={() => setOutage("hold")}
            />
            Hold the canary at its weight
          </label>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="metrics-outage"
              value="return_to_stable"
              checked={outage === "return_to_stable"}
              onChange={() => setOutage("return_to_stable")}
            />
            Return traffic to stable after
          </label>
          <input
            type="number"
            min={1}
            max={1440}
            aria-label="Minutes without metrics before returning traffic to stable"
            className="h-8 w-20 rounded-md border bg-background px-2"
            value={outageMinutes}
            disabled={outage !== "return_to_stable"}
            onChange={(e) => setOutageMinutes(e.target.value)}
          />
          <span>min</span>
        </div>
        <p className="text-xs text-muted-foreground">
          {describeMetricsOutagePolicy(policy)} Analysis never passes or fails without samples.
        </p>
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={saveAsDefault}
          onChange={(e) => setSaveAsDefault(e.target.checked)}
        />
        Save these steps as {modelName}&apos;s default plan
        {model?.savedPlan ? " (replaces the saved one)" : ""}
      </label>
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={pending || !version}>
        {pending ? "Starting…" : "Start rollout"}
      </Button>
    </form>
  );
}
