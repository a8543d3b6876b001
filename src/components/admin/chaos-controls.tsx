"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { CHAOS_PERCENT, type StartChaosInput } from "@/lib/schemas/chaos";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormMessage } from "@/components/admin/form-bits";
import { NativeSelect } from "@/components/ui/native-select";

export function StartChaosForm({
  regions,
  startChaos,
}: {
  regions: string[];
  startChaos: (input: StartChaosInput) => Promise<ActionResult<{ alreadyRunning: boolean }>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<{ alreadyRunning: boolean }> | null>(null);
  return (
    <form
      aria-label="Start a chaos experiment"
      className="grid grid-cols-1 gap-3 rounded-lg border bg-card p-4 md:grid-cols-5"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const kind = String(data.get("kind"));
        const region = String(data.get("region"));
        if (
          !window.confirm(`Inject ${kind.replace("_", " ")} into the simulated fleet in ${region}?`)
        )
          return;
        startTransition(async () => {
          const r = await startChaos({
            kind: kind as StartChaosInput["kind"],
            region,
            percent: Number(data.get("percent")),
            durationMinutes: Number(data.get("durationMinutes")),
            reason: String(data.get("reason") ?? ""),
          });
          setResult(r);
          if (r.ok) router.refresh();
        });
      }}
    >
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="chaos-kind">Fault</Label>
        <NativeSelect
          id="chaos-kind"
          name="kind"

          defaultValue="region_degradation"
        >
          <option value="region_degradation">Region degradation (5xx)</option>
          <option value="latency_injection">Latency injection</option>
          <option value="node_failure">GPU node failure</option>
          <option value="gpu_failure">GPU failure (Xid)</option>
          <option value="region_outage">Region outage</option>
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="chaos-region">Region</Label>
        <NativeSelect id="chaos-region" name="region" required>
          {regions.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label
          htmlFor="chaos-percent"
          title={Object.entries(CHAOS_PERCENT)
            .map(([k, v]) => `${k}: % ${v.label}`)
            .join("\n")}
        >
          Strength (%)
        </Label>
        <Input
          id="chaos-percent"
          name="percent"
          type="number"
          min={1}
          max={1000}
          defaultValue={5}
          required
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="chaos-duration">Heals after (minutes)</Label>
        <Input
          id="chaos-duration"
          name="durationMinutes"
          type="number"
          min={1}
          max={240}
          defaultValue={15}
          required
        />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="chaos-reason">Reason</Label>
        <Input
          id="chaos-reason"
          name="reason"
          placeholder="Game day: burn-rate alert drill"
          required
        />
      </div>
      <div className="flex items-center gap-3 md:col-span-5">
        <Button type="submit" variant="destructive" disabled={pending}>
          {pending ? "Starting…" : "Start experiment"}
        </Button>
        <FormMessage
          result={result}
          success={(d) => (d.alreadyRunning ? "Already running: nothing new started." : "Started.")}
        />
      </div>
    </form>
  );
}
