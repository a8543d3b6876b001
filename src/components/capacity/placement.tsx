import Link from "next/link";
import { CheckCircle2, CircleSlash, Puzzle, Scale, TrendingUp, HelpCircle } from "lucide-react";
import type { GpuVerdict, PoolPlacement } from "@/lib/domain/capacity/placement";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

/** The placement form: a GET form, so the question and its answer are a link to share. */
export function PlacementForm({
  gpus,
  gpuType,
  team,
  gpuTypes,
  teams,
  keep,
  error,
}: {
  gpus: string;
  gpuType: string;
  team: string;
  gpuTypes: readonly string[];
  teams: readonly { slug: string; name: string }[];
  /** the page's filters, kept in the link */
  keep: Record<string, string | undefined>;
  error: string | null;
}) {
  return (
    <form
      method="get"
      action="/capacity#placement"
      aria-label="Where can I place GPUs"
      className="flex flex-wrap items-end gap-3"
    >
      {Object.entries(keep).map(([k, v]) =>
        v ? <input key={k} type="hidden" name={k} value={v} /> : null,
      )}
      <div className="flex flex-col gap-1">
        <Label htmlFor="placement-gpus">GPUs</Label>
        <Input
          id="placement-gpus"
          name="gpus"
          type="number"
          min={1}
          max={4096}
          step={1}
          required
          defaultValue={gpus}
          className="w-24"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "placement-error" : undefined}
        />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="placement-type">GPU type</Label>
        <NativeSelect id="placement-type" name="gpuType" defaultValue={gpuType} required>
          {gpuTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="placement-team">For team</Label>
        <NativeSelect id="placement-team" name="team" defaultValue={team}>
          <option value="">Any (quotas not checked)</option>
          {teams.map((t) => (
            <option key={t.slug} value={t.slug}>
              {t.name}
            </option>
          ))}
        </NativeSelect>
      </div>
      <Button type="submit">Find room</Button>
      {error ? (
        <p
          id="placement-error"
          role="alert"
          className="w-full text-sm text-red-700 dark:text-red-300"
        >
          {error}
        </p>
      ) : null}
    </form>
  );
}

const VERDICT: Record<
  GpuVerdict,
  { label: string; tone: "good" | "warn" | "bad" | "info" | "neutral"; Icon: typeof CheckCircle2 }
> = {
  fits: { label: "GPUs free", tone: "good", Icon: CheckCircle2 },
  fragmented: { label: "Fragmented", tone: "warn", Icon: Puzzle },
  "scale-up": { label: "Needs new nodes", tone: "info", Icon: TrendingUp },
  short: { label: "Not enough GPUs", tone: "bad", Icon: CircleSlash },
  "too-large": { label: "Pool too small", tone: "bad", Icon: CircleSlash },
  unknown: { label: "Nodes unknown", tone: "neutral", Icon: HelpCircle },
};

function Verdict({ p }: { p: PoolPlacement }) {
  if (p.fits) {
    return (
      <Badge tone="good">
        <CheckCircle2 aria-hidden="true" /> Fits
      </Badge>
    );
  }
  if (p.gpu === "fits") {
    return (
      <Badge tone="warn">
        <Scale aria-hidden="true" /> Quota blocks it
      </Badge>
    );
  }
  const v = VERDICT[p.gpu];
  return (
    <Badge tone={v.tone}>
      <v.Icon aria-hidden="true" /> {v.label}
    </Badge>
  );
}

function QuotaCell({ p }: { p: PoolPlacement }) {
  switch (p.quota.kind) {
    case "unchecked":
      return <span className="text-muted-foreground">not checked</span>;
    case "no-namespace":
      return <span className="text-red-700 dark:text-red-300">no namespace</span>;
    default:
      return (
        <span className={p.quota.kind === "short" ? "text-red-700 dark:text-red-300" : ""}>
          {p.quota.left} of {p.quota.quota} left in {p.quota.namespace}
          {p.quota.increase > 0 ? ` (needs +${p.quota.increase})` : ""}
        </span>
      );
  }
}

/** The answer: every pool of the type, those that fit first, each with what stands in the way. */
export function PlacementResults({
  pools,
  limit = 20,
}: {
  pools: readonly PoolPlacement[];
  limit?: number;
}) {
  const shown = pools.slice(0, limit);
  return (
    <>
      <ul className="flex flex-col divide-y rounded-md border" data-testid="placement-results">
        {shown.map((p) => (
          <li
            key={`${p.cluster}/${p.pool}`}
            className="flex flex-col gap-1 p-3 text-sm"
            data-testid="placement-pool"
            data-cluster={p.cluster}
            data-verdict={p.fits ? "fits" : p.gpu === "fits" ? "quota" : p.gpu}
          >
            <div className="flex flex-wrap items-center gap-2">
              <Verdict p={p} />
              <Link
                href={`/clusters/${encodeURIComponent(p.cluster)}`}
                className="font-medium hover:underline"
              >
                {p.cluster}
              </Link>
              <span className="text-muted-foreground">
                {p.pool} · {p.region} ·{" "}
                {p.gpusPerNode > 0 ? `${p.gpusPerNode} GPUs per node` : "GPUs per node unknown"}
              </span>
            </div>
            <p>{p.summary}</p>
            <dl className="flex flex-wrap gap-x-4 text-xs text-muted-foreground">
              <div>
                <dt className="inline">Free: </dt>
                <dd className="inline tabular-nums">{p.free}</dd>
              </div>
              <div>
                <dt className="inline">Whole nodes free: </dt>
                <dd className="inline tabular-nums">{p.wholeNodesFree}</dd>
              </div>
              <div>
                <dt className="inline">Largest gang now: </dt>
                <dd className="inline tabular-nums">{p.largestGang}</dd>
              </div>
              <div>
                <dt className="inline">Quota: </dt>
                <dd className="inline">
                  <QuotaCell p={p} />
                </dd>
              </div>
            </dl>
            {p.moves ? (
              <details className="text-xs">
                <summary className="cursor-pointer">
                  What would have to move ({p.moves.gpus} GPUs off {p.moves.nodes.length}{" "}
                  {p.moves.nodes.length === 1 ? "node" : "nodes"})
                </summary>
                <ul className="mt-1 list-disc pl-5">
                  {p.moves.nodes.map((n) => (
                    <li key={n.name}>
                      {n.name}: {n.gpus} GPUs to move (it holds {n.serving} serving, {n.training}{" "}
                      training{n.other > 0 ? `, ${n.other} other` : ""})
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
      {pools.length > shown.length ? (
        <p className="mt-2 text-xs text-muted-foreground">
          And {pools.length - shown.length} more pools that cannot take it; narrow by region.
        </p>
      ) : null}
    </>
  );
}
