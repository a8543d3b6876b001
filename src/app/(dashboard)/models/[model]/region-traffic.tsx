import Link from "next/link";
import type { Actor } from "@/server/auth/session";
import { modelRegionTraffic } from "@/server/traffic/regions";
import { TrafficTable } from "@/components/traffic/traffic-table";

/** The model's share of global production traffic by region (streamed behind the page). */
export async function RegionTraffic({ actor, model }: { actor: Actor; model: string }) {
  const { shares, errors } = await modelRegionTraffic(actor, model);
  if (!shares) {
    return <p className="text-sm text-muted-foreground">{model} serves no production traffic.</p>;
  }
  return (
    <>
      {errors.length > 0 ? (
        <p role="status" className="mb-2 text-sm text-amber-800 dark:text-amber-300">
          Some sources did not answer: {errors.join("; ")}
        </p>
      ) : null}
      <TrafficTable
        rows={shares.regions.map((r) => ({ model, ...r }))}
        label={`${model}: traffic by region`}
        caption={
          <>
            Share of {model}&apos;s global production traffic each region serves, as the global load
            balancer routes it.{" "}
            <Link href="/regions" className="underline-offset-4 hover:underline">
              All regions
            </Link>
          </>
        }
      />
    </>
  );
}
