import Link from "next/link";
import type { PromotionSummary } from "@/lib/domain/promotions/gates";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
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

/** Promotion requests as a table: what goes where, who asked, approvals, state. */
export function PromotionTable({ rows, caption }: { rows: PromotionSummary[]; caption: string }) {
  return (
    <Table>
      <TableCaption>{caption}</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Request</TableHead>
          <TableHead>Target</TableHead>
          <TableHead>Requested</TableHead>
          <TableHead className="text-right">Approvals</TableHead>
          <TableHead>Status</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.number} data-testid="promotion-row">
            <TableCell>
              <Link href={`/promotions/${r.number}`} className="font-medium hover:underline">
                #{r.number} {r.modelDisplayName}{" "}
                <span className="font-mono text-sm">{r.version}</span>
              </Link>
              <div className="font-mono text-xs text-muted-foreground">{r.model}</div>
            </TableCell>
            <TableCell>
              <div className="font-medium">{r.tier}</div>
              <div className="text-xs text-muted-foreground">{r.regions.join(", ")}</div>
              {r.fix ? (
                <Badge tone="warn" className="mt-1">
                  fix
                </Badge>
              ) : null}
            </TableCell>
            <TableCell>
              <div className="text-sm">{r.requestedBy}</div>
              <TimeAgo date={r.requestedAt} />
            </TableCell>
            <TableCell className="text-right tabular-nums">
              {r.approvals} of {r.requiredApprovals}
            </TableCell>
            <TableCell>
              <StatusBadge status={r.status} />
              {r.status === "approved" && r.blockedReason ? (
                <p className="mt-1 max-w-xs text-xs text-muted-foreground">
                  Blocked: {r.blockedReason}
                </p>
              ) : null}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
