import Link from "next/link";
import type { Placement, PlacementMatrix as Matrix } from "@/lib/domain/models/registry";
import { Badge } from "@/components/ui/badge";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

/** "production/us-east-1 · eks-use1-serve-01 · 100%": where one version runs, in words. */
export function PlacementBadges({ placements }: { placements: Placement[] }) {
  if (placements.length === 0) {
    return <span className="text-sm text-muted-foreground">Not running</span>;
  }
  return (
    <ul className="flex flex-wrap gap-1" aria-label="Runs now in">
      {placements.map((p) => (
        <li key={`${p.environment}-${p.cluster}`}>
          <Badge
            tone={p.tier === "production" ? "info" : "neutral"}
            data-testid="placement"
            className="font-normal"
          >
            {p.environment} · {p.cluster} · {p.trafficWeight}%
          </Badge>
        </li>
      ))}
    </ul>
  );
}

/**
 * Environment tier × region: in each cell the cluster, the version(s) and their traffic share.
 * During a canary two versions share a cell, the larger share first.
 */
export function PlacementMatrix({
  matrix,
  versionHref,
}: {
  matrix: Matrix;
  versionHref: (version: string) => string;
}) {
  return (
    <Table data-testid="placement-matrix">
      <TableCaption>Where the model runs now, by environment tier and region</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Tier</TableHead>
          {matrix.regions.map((r) => (
            <TableHead key={r} className="normal-case tracking-normal">
              {r}
            </TableHead>
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {matrix.rows.map((row) => (
          <TableRow key={row.tier}>
            <TableHead scope="row" className="normal-case">
              {row.tier}
            </TableHead>
            {row.cells.map((cell) => (
              <TableCell
                key={cell.environment}
                className="align-top"
                data-environment={cell.environment}
              >
                {cell.placements.length === 0 ? (
                  <span className="text-muted-foreground">
                    <span aria-hidden="true">—</span>
                    <span className="sr-only">not deployed</span>
                  </span>
                ) : (
                  <ul className="space-y-1">
                    {cell.placements.map((p) => (
                      <li key={`${p.cluster}-${p.version}`} className="leading-tight">
                        <Link
                          href={versionHref(p.version)}
                          className="font-mono text-sm font-medium hover:underline"
                        >
                          {p.version}
                        </Link>{" "}
                        <span className="tabular-nums">· {p.trafficWeight}%</span>
                        <div className="text-xs text-muted-foreground">
                          {p.cluster} · {p.readyReplicas}/{p.replicas} ready
                        </div>
                      </li>
                    ))}
                  </ul>
                )}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
