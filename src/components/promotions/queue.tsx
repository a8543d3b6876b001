import Link from "next/link";
import type { PromotionSummary } from "@/lib/domain/promotions/gates";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";

function QueueList({ rows, empty }: { rows: PromotionSummary[]; empty: string }) {
  if (rows.length === 0) return <p className="p-4 text-sm text-muted-foreground">{empty}</p>;
  return (
    <ul className="divide-y">
      {rows.map((r) => (
        <li key={r.number} className="flex items-center justify-between gap-3 px-4 py-2 text-sm">
          <div className="min-w-0">
            <Link href={`/promotions/${r.number}`} className="font-medium hover:underline">
              #{r.number} {r.model} <span className="font-mono text-xs">{r.version}</span> →{" "}
              {r.tier}
            </Link>
            <div className="text-xs text-muted-foreground">
              {r.requestedBy} · {r.approvals} of {r.requiredApprovals} approvals
              {r.status === "approved" && r.blockedReason ? ` · blocked: ${r.blockedReason}` : ""}
            </div>
          </div>
          <div className="flex shrink-0 flex-col items-end gap-1">
            <StatusBadge status={r.status} />
            <TimeAgo date={r.requestedAt} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The home page's promotions: what waits for this release manager, and their own requests. */
export function PromotionQueue({
  awaiting,
  awaitingTotal,
  mine,
  approver,
}: {
  awaiting: PromotionSummary[];
  awaitingTotal: number;
  mine: PromotionSummary[];
  approver: boolean;
}) {
  if (!approver && mine.length === 0) return null;
  return (
    <div className="mt-6 grid grid-cols-1 gap-3 lg:grid-cols-2">
      {approver ? (
        <section aria-labelledby="awaiting-approval" className="rounded-lg border bg-card">
          <h2 id="awaiting-approval" className="border-b px-4 py-2 text-sm font-semibold">
            <Link href="/promotions?status=pending" className="hover:underline">
              Waiting for your approval
            </Link>{" "}
            <span className="tabular-nums text-muted-foreground" data-testid="awaiting-count">
              ({awaitingTotal})
            </span>
          </h2>
          <QueueList rows={awaiting} empty="Nothing waits for your approval." />
        </section>
      ) : null}
      {mine.length > 0 || approver ? (
        <section aria-labelledby="my-requests" className="rounded-lg border bg-card">
          <h2 id="my-requests" className="border-b px-4 py-2 text-sm font-semibold">
            <Link href="/promotions?mine=1" className="hover:underline">
              Your promotion requests
            </Link>
          </h2>
          <QueueList rows={mine} empty="You have no open or recent requests." />
        </section>
      ) : null}
    </div>
  );
}
