import type { Metadata } from "next";
import Link from "next/link";
import { BlockedBadge } from "@/components/rollouts/blocked-badge";
import { requirePageActor } from "@/server/auth/page";
import { canStartRollouts, listRollouts } from "@/server/rollouts/queries";
import { listModelNames } from "@/server/models/list";
import type { SearchParams } from "@/components/common/search-params";
import {
  firstValues,
  rolloutListQuerySchema,
  ROLLOUT_STATUS_FILTERS,
} from "@/lib/schemas/list-query";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { ListFilters, selectFilter } from "@/components/common/list-filters";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Rollouts" };

const STATUS_OPTIONS = ROLLOUT_STATUS_FILTERS.map((s) => ({
  value: s,
  label: s === "active" ? "In progress (any)" : s.replace("_", " "),
}));

const VERDICT_TONE = {
  pass: "good",
  marginal: "warn",
  fail: "bad",
  inconclusive: "neutral",
} as const;

export default async function RolloutsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const query = rolloutListQuerySchema.parse(params);
  const actor = await requirePageActor();
  const [page, models] = await Promise.all([listRollouts(actor, query), listModelNames(actor)]);
  return (
    <>
      <AutoRefresh />
      <PageHeader
        title="Rollouts"
        description="Progressive rollouts and rollbacks, newest first. Updates live."
        actions={
          canStartRollouts(actor) ? (
            <Button asChild size="sm">
              <Link href="/rollouts/new">New rollout</Link>
            </Button>
          ) : null
        }
      />
      <ListFilters
        label="Filter rollouts"
        basePath="/rollouts"
        params={params}
        className="mb-3"
        filters={[
          selectFilter("status", "Status", query.status, STATUS_OPTIONS, "Any status"),
          selectFilter("model", "Model", query.model, models, "Any model"),
        ]}
      />
      {page.total === 0 ? (
        <EmptyState title="No rollouts match" hint="Change the filters." />
      ) : (
        <Table>
          <TableCaption>Rollouts</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Model</TableHead>
              <TableHead>Change</TableHead>
              <TableHead>Environment · wave</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Step · weight</TableHead>
              <TableHead>Analysis</TableHead>
              <TableHead>Started</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((r) => (
              <TableRow key={r.id} data-testid="rollout-row" data-status={r.status}>
                <TableCell>
                  <Link href={`/rollouts/${r.id}`} className="font-medium hover:underline">
                    {r.model}
                  </Link>
                </TableCell>
                <TableCell>
                  <span className="font-mono text-sm">
                    {r.fromVersion ?? "—"} → {r.toVersion}
                  </span>
                  <div className="text-xs text-muted-foreground">
                    {r.kind === "rollback" ? "rollback" : r.strategy.replace("_", "-")}
                  </div>
                </TableCell>
                <TableCell>
                  {r.environment}
                  <div className="text-xs text-muted-foreground">wave {r.wave + 1}</div>
                </TableCell>
                <TableCell>
                  <StatusBadge status={r.status} />
                  {r.verifying ? <Badge tone="warn">verifying</Badge> : null}
                  {r.outsideChange ? (
                    <Badge tone="warn" data-testid="outside-change-badge">
                      changed outside Flightdeck
                    </Badge>
                  ) : null}
                  {r.blockedReason ? <BlockedBadge /> : null}
                  {r.blockedReason ? (
                    <div className="mt-1 max-w-64 text-xs text-red-800 dark:text-red-300">
                      Blocked: {r.blockedReason}
                    </div>
                  ) : r.reason ? (
                    <div className="mt-1 max-w-64 text-xs text-muted-foreground">{r.reason}</div>
                  ) : null}
                </TableCell>
                <TableCell className="tabular-nums">
                  {Math.min(r.currentStep + 1, r.stepCount)} / {r.stepCount} · {r.currentWeight}%
                </TableCell>
                <TableCell>
                  {r.verdict ? (
                    <Badge tone={VERDICT_TONE[r.verdict as keyof typeof VERDICT_TONE] ?? "neutral"}>
                      {r.verdict}
                    </Badge>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
                <TableCell>
                  <TimeAgo date={r.createdAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/rollouts" params={params} />
    </>
  );
}
