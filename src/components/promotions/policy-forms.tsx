"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type {
  EnvironmentPolicyInput,
  FreezeWindowInput,
  ModelReleaseSettingsInput,
  RecurringWindowInput,
} from "@/lib/schemas/promotions";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

function useSubmit<I>(action: (input: I) => Promise<ActionResult<unknown>>) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const submit = (input: I, onDone?: () => void) =>
    startTransition(async () => {
      const r = await action(input);
      if (r.ok) {
        setError(null);
        setFields({});
        onDone?.();
        router.refresh();
      } else {
        setError(r.error.message);
        setFields(r.error.fields ?? {});
      }
    });
  return { pending, error, fields, submit };
}

/** One environment's required approvals, staging soak and direct-change rule, saved together. */
export function EnvironmentPolicyForm({
  environment,
  requiredApprovals,
  soakMinutes,
  promotionsOnly,
  save,
}: {
  environment: string;
  requiredApprovals: number;
  soakMinutes: number;
  promotionsOnly: boolean;
  save: (input: EnvironmentPolicyInput) => Promise<ActionResult<unknown>>;
}) {
  const [approvals, setApprovals] = useState(String(requiredApprovals));
  const [soak, setSoak] = useState(String(soakMinutes));
  const [onlyPromotions, setOnlyPromotions] = useState(promotionsOnly);
  const { pending, error, submit } = useSubmit(save);
  return (
    <form
      aria-label={`Policy of ${environment}`}
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        submit({
          environment,
          requiredApprovals: approvals,
          soakMinutes: soak,
          promotionsOnly: onlyPromotions,
        });
      }}
    >
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        Approvals
        <Input
          className="w-20"
          type="number"
          min={1}
          max={5}
          value={approvals}
          aria-label={`Approvals for ${environment}`}
          onChange={(e) => setApprovals(e.target.value)}
        />
      </label>
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        Soak (min)
        <Input
          className="w-24"
          type="number"
          min={0}
          value={soak}
          aria-label={`Soak minutes for ${environment}`}
          onChange={(e) => setSoak(e.target.value)}
        />
      </label>
      <label className="flex items-center gap-1.5 self-center text-xs text-muted-foreground">
        <input
          type="checkbox"
          checked={onlyPromotions}
          aria-label={`${environment} takes changes only through promotions`}
          onChange={(e) => setOnlyPromotions(e.target.checked)}
        />
        Only through promotions
      </label>
      <Button type="submit" size="sm" variant="outline" disabled={pending}>
        Save
      </Button>
      {error ? (
        <span role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** Adds a change freeze. Times are entered in the browser's time zone and stored in UTC. */
export function FreezeForm({
  create,
}: {
  create: (input: FreezeWindowInput) => Promise<ActionResult<unknown>>;
}) {
  const [name, setName] = useState("");
  const [tier, setTier] = useState<"all" | "staging" | "production">("production");
  const [startsAt, setStartsAt] = useState("");
  const [endsAt, setEndsAt] = useState("");
  const [reason, setReason] = useState("");
  const { pending, error, fields, submit } = useSubmit(create);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const iso = (local: string) => (local ? new Date(local).toISOString() : "");
  return (
    <form
      aria-label="Add a change freeze"
      className="grid max-w-3xl gap-3 rounded-md border p-3 sm:grid-cols-2"
      onSubmit={(e) => {
        e.preventDefault();
        submit({ name, tier, startsAt: iso(startsAt), endsAt: iso(endsAt), reason }, () => {
          setName("");
          setReason("");
        });
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="freeze-name">Name</Label>
        <Input id="freeze-name" value={name} onChange={(e) => setName(e.target.value)} />
        {fields.name ? (
          <p className="text-sm text-red-700 dark:text-red-300">{fields.name}</p>
        ) : null}
      </div>
      <div className="space-y-1">
        <Label htmlFor="freeze-tier">Environments</Label>
        <NativeSelect
          id="freeze-tier"
          value={tier}
          onChange={(e) => setTier(e.target.value as typeof tier)}
        >
          <option value="production">production</option>
          <option value="staging">staging</option>
          <option value="all">all</option>
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="freeze-start">Starts ({zone})</Label>
        <Input
          id="freeze-start"
          type="datetime-local"
          value={startsAt}
          onChange={(e) => setStartsAt(e.target.value)}
        />
      </div>
      <div className="space-y-1">
        <Label htmlFor="freeze-end">Ends ({zone})</Label>
        <Input
          id="freeze-end"
          type="datetime-local"
          value={endsAt}
          onChange={(e) => setEndsAt(e.target.value)}
        />
        {fields.endsAt ? (
          <p className="text-sm text-red-700 dark:text-red-300">{fields.endsAt}</p>
        ) : null}
      </div>
      <div className="space-y-1 sm:col-span-2">
        <Label htmlFor="freeze-reason">Reason</Label>
        <Input id="freeze-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        {fields.reason ? (
          <p className="text-sm text-red-700 dark:text-red-300">{fields.reason}</p>
        ) : null}
      </div>
      <div className="flex items-center gap-2 sm:col-span-2">
        <Button type="submit" size="sm" disabled={pending}>
          Add freeze
        </Button>
        {error ? (
          <span role="alert" className="text-sm text-red-700 dark:text-red-300">
            {error}
          </span>
        ) : null}
      </div>
    </form>
  );
}

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const dayOptions = DAYS.map((d, i) => (
  <option key={d} value={i + 1}>
    {d}
  </option>
));

/**
 * Adds a window that repeats every week: local wall-clock times in a named time zone (the
 * browser's by default), kept across daylight-saving changes.
 */
export function RecurringWindowForm({
  create,
}: {
  create: (input: RecurringWindowInput) => Promise<ActionResult<unknown>>;
}) {
  const [v, setV] = useState({
    name: "",
    kind: "freeze" as "freeze" | "allowed",
    tier: "production" as "all" | "staging" | "production",
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    startDay: "5",
    startTime: "16:00",
    endDay: "1",
    endTime: "08:00",
    reason: "",
  });
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) =>
    setV({ ...v, [k]: e.target.value });
  const { pending, error, fields, submit } = useSubmit(create);
  const fieldError = (k: string) =>
    fields[k] ? <p className="text-sm text-red-700 dark:text-red-300">{fields[k]}</p> : null;
  return (
    <form
      aria-label="Add a repeating window"
      className="grid max-w-3xl gap-3 rounded-md border p-3 sm:grid-cols-4"
      onSubmit={(e) => {
        e.preventDefault();
        submit(
          {
            ...v,
            kind: v.kind,
            tier: v.tier,
            startDay: Number(v.startDay),
            endDay: Number(v.endDay),
          },
          () => setV({ ...v, name: "", reason: "" }),
        );
      }}
    >
      <div className="space-y-1 sm:col-span-2">
        <Label htmlFor="window-name">Name</Label>
        <Input id="window-name" value={v.name} onChange={set("name")} />
        {fieldError("name")}
      </div>
      <div className="space-y-1">
        <Label htmlFor="window-kind">Kind</Label>
        <NativeSelect id="window-kind" value={v.kind} onChange={set("kind")}>
          <option value="freeze">Freeze</option>
          <option value="allowed">Allowed window</option>
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="window-tier">Environments</Label>
        <NativeSelect id="window-tier" value={v.tier} onChange={set("tier")}>
          <option value="production">production</option>
          <option value="staging">staging</option>
          <option value="all">all</option>
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="window-start-day">From</Label>
        <NativeSelect id="window-start-day" value={v.startDay} onChange={set("startDay")}>
          {dayOptions}
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="window-start-time">at (24 h)</Label>
        <Input id="window-start-time" value={v.startTime} onChange={set("startTime")} />
        {fieldError("startTime")}
      </div>
      <div className="space-y-1">
        <Label htmlFor="window-end-day">Until</Label>
        <NativeSelect id="window-end-day" value={v.endDay} onChange={set("endDay")}>
          {dayOptions}
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="window-end-time">at (24 h)</Label>
        <Input id="window-end-time" value={v.endTime} onChange={set("endTime")} />
        {fieldError("endTime")}
      </div>
      <div className="space-y-1 sm:col-span-2">
        <Label htmlFor="window-zone">Time zone (IANA)</Label>
        <Input id="window-zone" value={v.timeZone} onChange={set("timeZone")} />
        {fieldError("timeZone")}
      </div>
      <div className="space-y-1 sm:col-span-2">
        <Label htmlFor="window-reason">Reason</Label>
        <Input id="window-reason" value={v.reason} onChange={set("reason")} />
        {fieldError("reason")}
      </div>
      <div className="flex items-center gap-2 sm:col-span-4">
        <Button type="submit" size="sm" disabled={pending}>
          Add repeating window
        </Button>
        {error ? (
          <span role="alert" className="text-sm text-red-700 dark:text-red-300">
            {error}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/** A model's eval thresholds (one per line) and serving resources per replica. */
export function ModelSettingsForm({
  model,
  thresholds,
  resources,
  save,
}: {
  model: string;
  thresholds: string;
  resources: { gpu: number; cpu: number; memoryGi: number } | null;
  save: (input: ModelReleaseSettingsInput) => Promise<ActionResult<unknown>>;
}) {
  const [text, setText] = useState(thresholds);
  const [gpu, setGpu] = useState(String(resources?.gpu ?? ""));
  const [cpu, setCpu] = useState(String(resources?.cpu ?? ""));
  const [memoryGi, setMemoryGi] = useState(String(resources?.memoryGi ?? ""));
  const { pending, error, submit } = useSubmit(save);
  const id = `thresholds-${model}`;
  return (
    <form
      aria-label={`Release settings of ${model}`}
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        submit({ model, thresholds: text, gpu, cpu, memoryGi });
      }}
    >
      <Label htmlFor={id}>Eval thresholds, one per line</Label>
      <textarea
        id={id}
        className="min-h-20 w-full rounded-md border bg-background px-3 py-2 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={"ndcg@10 >= 0.69, max regression 0.01\np99_latency_ms <= 250"}
      />
      <div className="flex flex-wrap items-end gap-2">
        {(
          [
            ["GPUs", gpu, setGpu],
            ["CPUs", cpu, setCpu],
            ["Memory (GiB)", memoryGi, setMemoryGi],
          ] as const
        ).map(([label, value, set]) => (
          <label key={label} className="flex flex-col gap-1 text-xs text-muted-foreground">
            {label} per replica
            <Input
              className="w-24"
              type="number"
              min={0}
              step="any"
              value={value}
              onChange={(e) => set(e.target.value)}
            />
          </label>
        ))}
        <Button type="submit" size="sm" variant="outline" disabled={pending}>
          Save
        </Button>
      </div>
      {error ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </form>
  );
}
