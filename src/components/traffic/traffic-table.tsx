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
import type { ReactNode } from "react";

export interface TrafficRow {
  model: string;
  region: string;
  share: number;
  rps: number;
  dial: number;
  readyReplicas: number;
  errorRate: number | null;
  p99Ms: number | null;
}

/**
 * Production traffic by model and region, as the global load balancer routes it: share, load,
 * dial, ready replicas, errors and p99. `showModel` adds the model's column (several models).
 */
export function TrafficTable({
  rows,
  caption,
  label,
  showModel,
  drainedRegion,
}: {
  rows: TrafficRow[];
  caption: ReactNode;
  label: string;
  showModel?: boolean;
  /** marks this region as the drained one */
  drainedRegion?: string;
}) {
  return (
    <Table scrollLabel={label}>
      <TableCaption>{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          {showModel ? <TableHead>Model</TableHead> : null}
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
        {rows.map((r) => (
          <TableRow
            key={`${r.model}/${r.region}`}
            data-testid="traffic-row"
            data-model={r.model}
            data-region={r.region}
            data-rps={r.rps.toFixed(2)}
          >
            {showModel ? <TableCell className="font-medium">{r.model}</TableCell> : null}
            <TableCell className={showModel ? undefined : "font-medium"}>
              {r.region}
              {r.region === drainedRegion ? (
                <span className="text-xs text-muted-foreground"> (drained)</span>
              ) : null}
            </TableCell>
            <TableCell>
              <ShareBar share={r.share} label={`${r.model} share in ${r.region}`} />
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
  );
}
