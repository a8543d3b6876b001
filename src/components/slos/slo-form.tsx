"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import {
  DEFAULT_ALERT_WINDOWS,
  ROLLING_WINDOW_DAYS,
  SLI_KINDS,
  THRESHOLD_UNIT,
  sloSpecSchema,
  type SloSpec,
  type SloSpecInput,
} from "@/lib/domain/slos/spec";
import { effectiveAlerts, formatWindow, windowMinutes } from "@/lib/domain/slos/alerts";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

/**
 * With Prometheus as the metrics source, the latency thresholds it can count at (its histogram's
 * bucket boundaries), or why they could not be read.
 */
export type LatencyBoundaries = { metric: string; boundariesMs: number[] } | { error: string };

/** The hold an SLO's spent budget puts on its service, and whether the viewer may lift it. */
export interface SloReleaseHold {
  service: string;
  canOverride: boolean;
}

/** Which latency thresholds Prometheus can count at; nothing to say with the simulator. */
function latencyHint(boundaries: LatencyBoundaries | null): string | undefined {
  if (!boundaries) return undefined;
  if ("error" in boundaries) {
    return `Prometheus did not answer (${boundaries.error}); the threshold is checked against its histogram's buckets when you save.`;
  }
  if (boundaries.boundariesMs.length === 0) {
    return `Prometheus has no ${boundaries.metric} series yet, so no bucket boundaries to choose from.`;
  }
  return `Prometheus counts latency at the bucket boundaries of ${boundaries.metric}: ${boundaries.boundariesMs.join(", ")} ms.`;
}

/** What the hold means for changing or deleting the SLO. */
function holdText({ service }: SloReleaseHold): string {
  return `This SLO has spent its error budget and the policy of ${service} is enforce, so ${service} takes no rollouts but an admin's fixes. Deleting this SLO, or changing what it measures, lowering its objective, or changing its window or budgeting method would lift that hold: only an admin can, with a reason.`;
}

/** "7", "28", "30" (or another number of days an imported SLO has), "month" or "quarter". */
type WindowChoice = string;

const windowOf = (choice: WindowChoice): SloSpec["window"] =>
  choice === "month" || choice === "quarter"
    ? { kind: "calendar", unit: choice }
    : { kind: "rolling", days: Number(choice) };

const choiceOf = (w: SloSpec["window"]): WindowChoice =>
  w.kind === "calendar" ? w.unit : (String(w.days) as WindowChoice);

/** "99.9" (percent, as people write objectives) ↔ 0.999, without float noise. */
const toShare = (pct: string) =>
  pct.trim() === "" ? Number.NaN : Number((Number(pct) / 100).toPrecision(12));
const toPercent = (share: number) => String(Number((share * 100).toPrecision(10)));

function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: React.ReactNode;
}) {
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint ? <p className="text-xs text-muted-foreground">{hint}</p> : null}
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * Create or edit an SLO. Validates with the same schema the server uses (so errors show before
 * a round trip), previews the burn-rate thresholds the alerts will use, and sends the version
 * it was opened at so a concurrent edit is reported instead of overwritten. While the SLO's
 * spent budget release holds its service, an admin's edit carries a reason for lifting the hold.
 */
export function SloForm({
  initial,
  version,
  services,
  teams,
  defaultTeam,
  latencyBoundaries = null,
  hold = null,
  create,
  update,
}: {
  initial: SloSpec | null;
  version: number | null;
  services: string[];
  teams: { slug: string; name: string }[];
  defaultTeam: string | null;
  latencyBoundaries?: LatencyBoundaries | null;
  hold?: SloReleaseHold | null;
  create?: (spec: SloSpecInput) => Promise<ActionResult<{ name: string }>>;
  update?: (input: {
    version: number;
    spec: SloSpecInput;
    overrideReason?: string;
  }) => Promise<ActionResult<{ name: string }>>;
}) {
  const router = useRouter();
  const [name, setName] = useState(initial?.name ?? "");
  const [displayName, setDisplayName] = useState(initial?.displayName ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [service, setService] = useState(initial?.service ?? services[0] ?? "");
  const [team, setTeam] = useState(initial?.team ?? defaultTeam ?? teams[0]?.slug ?? "");
  const [sliKind, setSliKind] = useState<SloSpec["sliKind"]>(initial?.sliKind ?? "availability");
  const [threshold, setThreshold] = useState(
    initial?.threshold !== null && initial?.threshold !== undefined
      ? String(initial.threshold)
      : "",
  );
  const [objective, setObjective] = useState(toPercent(initial?.objective ?? 0.999));
  const [windowChoice, setWindowChoice] = useState<WindowChoice>(
    initial ? choiceOf(initial.window) : "30",
  );
  const [method, setMethod] = useState<SloSpec["budgetingMethod"]>(
    initial?.budgetingMethod ?? "occurrences",
  );
  const [sliceTarget, setSliceTarget] = useState(
    initial?.timesliceTarget ? toPercent(initial.timesliceTarget) : "99",
  );
  const [overrideReason, setOverrideReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const alerts = initial?.alerts ?? DEFAULT_ALERT_WINDOWS;

  const spec: SloSpecInput = {
    name: name.trim(),
    ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
    description: description.trim(),
    service,
    team,
    sliKind,
    threshold: sliKind === "availability" || threshold.trim() === "" ? null : Number(threshold),
    objective: toShare(objective),
    window: windowOf(windowChoice),
    budgetingMethod: method,
    timesliceTarget: method === "timeslices" ? toShare(sliceTarget) : null,
    alerts,
  };
  const sloWindow = windowMinutes(windowOf(windowChoice), new Date());
  const plan = useMemo(() => effectiveAlerts(alerts, sloWindow), [alerts, sloWindow]);
  const scaled = plan.some((a) => a.written.longWindowMinutes !== a.longWindowMinutes);

  const errorFor = (field: string) => errors[field];
  return (
    <form
      aria-label={initial ? `Edit SLO ${initial.name}` : "New SLO"}
      className="max-w-3xl space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setMessage(null);
        const parsed = sloSpecSchema.safeParse(spec);
        if (!parsed.success) {
          const fields: Record<string, string> = {};
          for (const issue of parsed.error.issues)
            fields[issue.path.join(".") || "_"] ??= issue.message;
          setErrors(fields);
          return;
        }
        setErrors({});
        startTransition(async () => {
          const reason = overrideReason.trim();
          const r =
            update && version !== null
              ? await update({ version, spec, ...(reason ? { overrideReason: reason } : {}) })
              : await create!(spec);
          if (!r.ok) {
            setErrors(
              Object.fromEntries(
                Object.entries(r.error.fields ?? {}).map(([k, v]) => [k.replace(/^spec\./, ""), v]),
              ),
            );
            setMessage(r.error.message);
            return;
          }
          router.push(`/slos/${r.data.name}`);
          router.refresh();
        });
      }}
    >
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Field
          id="slo-name"
          label="Name"
          error={errorFor("name")}
          hint="Lowercase, digits and dashes; cannot change later."
        >
          <Input
            id="slo-name"
            value={name}
            disabled={initial !== null}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={Boolean(errorFor("name"))}
            aria-describedby={errorFor("name") ? "slo-name-error" : undefined}
            placeholder="ranker-xl-availability"
          />
        </Field>
        <Field id="slo-display" label="Display name (optional)">
          <Input
            id="slo-display"
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
          />
        </Field>
      </div>
      <Field id="slo-description" label="Description" error={errorFor("description")}>
        <Input
          id="slo-description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </Field>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Field id="slo-service" label="Service (model)" error={errorFor("service")}>
          <NativeSelect
            id="slo-service"
            value={service}
            onChange={(e) => setService(e.target.value)}
          >
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field id="slo-team" label="Owner team" error={errorFor("team")}>
          <NativeSelect id="slo-team" value={team} onChange={(e) => setTeam(e.target.value)}>
            {teams.map((t) => (
              <option key={t.slug} value={t.slug}>
                {t.name}
              </option>
            ))}
          </NativeSelect>
        </Field>
      </div>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        <Field id="slo-kind" label="SLI" error={errorFor("sliKind")}>
          <NativeSelect
            id="slo-kind"
            value={sliKind}
            onChange={(e) => setSliKind(e.target.value as SloSpec["sliKind"])}
          >
            {SLI_KINDS.map((k) => (
              <option key={k} value={k}>
                {k === "quality" ? "model quality (accuracy floor)" : k}
              </option>
            ))}
          </NativeSelect>
        </Field>
        {sliKind !== "availability" ? (
          <Field
            id="slo-threshold"
            label={`Threshold (${THRESHOLD_UNIT[sliKind]})`}
            error={errorFor("threshold")}
            hint={sliKind === "latency" ? latencyHint(latencyBoundaries) : undefined}
          >
            <Input
              id="slo-threshold"
              inputMode="decimal"
              list={
                sliKind === "latency" && latencyBoundaries && "boundariesMs" in latencyBoundaries
                  ? "slo-threshold-boundaries"
                  : undefined
              }
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
              aria-invalid={Boolean(errorFor("threshold"))}
              aria-describedby={errorFor("threshold") ? "slo-threshold-error" : undefined}
            />
            {sliKind === "latency" && latencyBoundaries && "boundariesMs" in latencyBoundaries ? (
              <datalist id="slo-threshold-boundaries">
                {latencyBoundaries.boundariesMs.map((ms) => (
                  <option key={ms} value={String(ms)} />
                ))}
              </datalist>
            ) : null}
          </Field>
        ) : null}
        <Field id="slo-objective" label="Objective (%)" error={errorFor("objective")}>
          <Input
            id="slo-objective"
            inputMode="decimal"
            value={objective}
            onChange={(e) => setObjective(e.target.value)}
            aria-invalid={Boolean(errorFor("objective"))}
            aria-describedby={errorFor("objective") ? "slo-objective-error" : undefined}
          />
        </Field>
      </div>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
        <Field id="slo-window" label="Window" error={errorFor("window")}>
          <NativeSelect
            id="slo-window"
            value={windowChoice}
            onChange={(e) => setWindowChoice(e.target.value)}
          >
            {[
              ...new Set<number>([
                ...ROLLING_WINDOW_DAYS,
                ...(initial?.window.kind === "rolling" ? [initial.window.days] : []),
              ]),
            ]
              .sort((a, b) => a - b)
              .map((d) => (
                <option key={d} value={String(d)}>
                  Rolling {d} days
                </option>
              ))}
            <option value="month">Calendar month</option>
            <option value="quarter">Calendar quarter</option>
          </NativeSelect>
        </Field>
        <Field id="slo-method" label="Budgeting">
          <NativeSelect
            id="slo-method"
            value={method}
            onChange={(e) => setMethod(e.target.value as SloSpec["budgetingMethod"])}
          >
            <option value="occurrences">Occurrences (events)</option>
            <option value="timeslices">Timeslices (good minutes)</option>
          </NativeSelect>
        </Field>
        {method === "timeslices" ? (
          <Field
            id="slo-slice"
            label="Good minute at (%)"
            error={errorFor("timesliceTarget")}
            hint="A minute is good when this share of its events is good."
          >
            <Input
              id="slo-slice"
              inputMode="decimal"
              value={sliceTarget}
              onChange={(e) => setSliceTarget(e.target.value)}
            />
          </Field>
        ) : null}
      </div>
      <section aria-label="Burn-rate alerts" className="rounded-md border p-3 text-sm">
        <p className="mb-1 font-medium">Burn-rate alerts for this window</p>
        <ul className="space-y-0.5 text-muted-foreground">
          {plan.map((a, i) => (
            <li key={`${a.severity}-${a.longWindowMinutes}`}>
              <span className="font-medium text-foreground">{a.severity}</span> when{" "}
              {Number((a.budgetFraction * 100).toFixed(2))}% of the budget burns in{" "}
              {formatWindow(a.longWindowMinutes)} (and the last {formatWindow(a.shortWindowMinutes)}{" "}
              too): burn rate above {a.threshold}×
              {errorFor(`alerts.${i}`) ? (
                <span className="block text-xs text-red-700 dark:text-red-300">
                  {errorFor(`alerts.${i}`)}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
        {scaled ? (
          <p className="mt-1 text-xs text-muted-foreground">
            The SRE Workbook&apos;s windows are written for 30 days: on this window they scale with
            its length and keep their burn rates.
          </p>
        ) : null}
        <p className="mt-1 text-xs text-muted-foreground">
          Other alert windows can be set by importing OpenSLO AlertPolicy documents.
        </p>
      </section>
      {hold ? (
        <section aria-label="Error-budget release hold" className="rounded-md border p-3 text-sm">
          <p>{holdText(hold)}</p>
          {hold.canOverride ? (
            <div className="mt-2">
              <Field
                id="slo-override-reason"
                label="Reason for overriding the error-budget policy"
                hint="Needed only when this change would lift the release hold; recorded in the audit log."
              >
                <Input
                  id="slo-override-reason"
                  value={overrideReason}
                  onChange={(e) => setOverrideReason(e.target.value)}
                />
              </Field>
            </div>
          ) : null}
        </section>
      ) : null}
      {message ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {message}
        </p>
      ) : Object.keys(errors).length > 0 ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          Fix the fields marked above.
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Saving…" : initial ? "Save changes" : "Create SLO"}
      </Button>
    </form>
  );
}
