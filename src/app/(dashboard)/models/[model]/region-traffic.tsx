import Link from "next/link";
import type { Actor } from "@/server/auth/session";
import { modelRegionTraffic } from "@/server/traffic/regions";
import { ShareBar } from "@/components/traffic/share-bar";
import { errorText, msText, rpsText } from "@/components/traffic/format";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

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
      <Table scrollLabel={`${model}: traffic by region`}>
        <TableCaption>
          Share of {model}&apos;s global production traffic each region serves, as the global load
          balancer routes it.{" "}
          <Link href="/regions" className="underline-offset-4 hover:underline">
            All regions
          </Link>
        </TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>Region</TableHead>
            <TableHead>Share</TableHead>
            <TableHead className="text-right">Traffic</TableHead>
            <TableHead className="text-right">Dial</TableHead>
            <TableHead className="text-right">Ready replicas</TableHead>
            <TableHead className="text-right">Errors</TableHead>
            <TableHead className="text-right">p99</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {shares.regions.map((r) => (
            <TableRow key={r.region} data-testid="model-region-traffic" data-region={r.region}>
              <TableCell className="font-medium">{r.region}</TableCell>
              <TableCell>
                <ShareBar share={r.share} label={`${model} share in ${r.region}`} />
              </TableCell>
              <TableCell className="text-right tabular-nums">{rpsText(r.rps)}</TableCell>
              <TableCell className="text-right tabular-nums">{r.dial}%</TableCell>
              <TableCell className="text-right tabular-nums">{r.readyReplicas}</TableCell>
              <TableCell className="text-right tabular-nums">{errorText(r.errorRate)}</TableCell>
              <TableCell className="text-right tabular-nums">{msText(r.p99Ms)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}
