import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

/**
 * "Can we drain R?": a plain GET form, so the plan is a URL on-call can share, and it works
 * before any script has loaded.
 */
export function PlanDrainForm({
  regions,
  teams,
  models,
  defaults,
}: {
  regions: string[];
  teams: string[];
  models: string[];
  defaults?: { region?: string; scope?: string; name?: string; headroom?: number };
}) {
  return (
    <form
      method="get"
      action="/regions/drain"
      aria-label="Plan a region drain"
      className="grid grid-cols-1 gap-3 rounded-lg border bg-card p-4 md:grid-cols-5"
    >
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="plan-region">Region to drain</Label>
        <NativeSelect id="plan-region" name="region" defaultValue={defaults?.region} required>
          {regions.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="plan-scope">Models</Label>
        <NativeSelect id="plan-scope" name="scope" defaultValue={defaults?.scope ?? "all"}>
          <option value="all">Every model</option>
          <option value="team">A team&apos;s models</option>
          <option value="model">One model</option>
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="plan-name">Team or model</Label>
        <Input
          id="plan-name"
          name="name"
          list="plan-names"
          defaultValue={defaults?.name}
          placeholder="ranker-xl, or a team"
        />
        <datalist id="plan-names">
          {[...teams, ...models].map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="plan-headroom">Headroom to keep (%)</Label>
        <Input
          id="plan-headroom"
          name="headroom"
          type="number"
          min={0}
          max={90}
          defaultValue={defaults?.headroom ?? 20}
        />
      </div>
      <div className="flex items-end">
        <Button type="submit">Check capacity</Button>
      </div>
    </form>
  );
}
