import type { Metadata } from "next";
import Link from "next/link";
import { Download } from "lucide-react";
import { requirePageActor } from "@/server/auth/page";
import { listAuditEvents } from "@/server/access/audit-log";
import { principalOf } from "@/server/auth/session";
import { seesAuditPersonalData } from "@/lib/domain/access/audit-visibility";
import { auditFilterSchema } from "@/lib/schemas/audit-log";
import { firstValues } from "@/lib/schemas/list-query";
import type { SearchParams } from "@/components/common/search-params";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Pagination } from "@/components/common/pagination";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { displayZone } from "@/lib/display-zone";
import { Button, buttonVariants } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { NativeSelect } from "@/components/ui/native-select";

export const metadata: Metadata = { title: "Audit log" };

const FILTER_KEYS = ["actor", "action", "target", "outcome", "from", "to"] as const;

function Change({ before, after }: { before: unknown; after: unknown }) {
  if (before == null && after == null) return null;
  return (
    <details className="mt-1 text-xs">
      <summary className="cursor-pointer text-muted-foreground">before / after</summary>
      <pre className="mt-1 max-w-96 overflow-auto whitespace-pre-wrap rounded bg-muted p-2 font-mono">
        {before != null ? `before: ${JSON.stringify(before)}\n` : ""}
        {after != null ? `after: ${JSON.stringify(after)}` : ""}
      </pre>
    </details>
  );
}

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  const params = firstValues(await searchParams);
  const parsed = auditFilterSchema.safeParse(params);
  const filter = parsed.success ? parsed.data : {};
  const page = await listAuditEvents(actor, { page: Number(params.page ?? 1) || 1, filter });
  const personal = seesAuditPersonalData(principalOf(actor));

  const exportParams = new URLSearchParams({ format: "csv" });
  for (const key of FILTER_KEYS) {
    const v = params[key];
    if (parsed.success && v) exportParams.set(key, v);
  }
  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Every change and every refused attempt, newest first. Append-only. Times in ${displayZone()} (hover for UTC); the From and To filters and the CSV are in UTC, so a shared link means the same to everyone.${personal ? "" : " Email and client addresses are shown to admins only."}`}
        actions={
          <a
            href={`/api/v1/audit?${exportParams.toString()}`}
            className={buttonVariants({ variant: "outline", size: "sm" })}
          >
            <Download aria-hidden="true" /> Export CSV
          </a>
        }
      />
      <form
        method="get"
        className="mb-4 grid grid-cols-2 gap-3 rounded-lg border bg-card p-3 md:grid-cols-7"
        aria-label="Filter the audit log"
      >
        <div className="flex flex-col gap-1">
          <Label htmlFor="f-actor">Actor</Label>
          <Input
            id="f-actor"
            name="actor"
            defaultValue={params.actor}
            placeholder={personal ? "name or email contains" : "name contains"}
          />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="f-action">Action</Label>
          <Input
            id="f-action"
            name="action"
            defaultValue={params.action}
            placeholder="e.g. user. or auth.sign_in"
          />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="f-target">Target</Label>
          <Input
            id="f-target"
            name="target"
            defaultValue={params.target}
            placeholder="type or id"
          />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="f-outcome">Outcome</Label>
          <NativeSelect id="f-outcome" name="outcome" defaultValue={params.outcome ?? ""}>
            <option value="">Any</option>
            <option value="allowed">allowed</option>
            <option value="denied">denied</option>
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="f-from">From (UTC)</Label>
          <Input id="f-from" name="from" type="datetime-local" defaultValue={params.from} />
        </div>
        <div className="flex flex-col gap-1">
          <Label htmlFor="f-to">To (UTC)</Label>
          <Input id="f-to" name="to" type="datetime-local" defaultValue={params.to} />
        </div>
        <div className="flex items-end gap-2">
          <Button type="submit" size="sm">
            Filter
          </Button>
          <Link href="/audit" className={buttonVariants({ variant: "ghost", size: "sm" })}>
            Clear
          </Link>
        </div>
      </form>
      {!parsed.success ? (
        <p
          role="alert"
          className="mb-3 rounded-md border border-red-600/40 bg-red-500/10 px-3 py-2 text-sm text-red-800 dark:text-red-300"
        >
          {parsed.error.issues[0]?.message ?? "Invalid filter."} Showing the unfiltered log.
        </p>
      ) : null}
      {page.total === 0 ? (
        <EmptyState
          title="No audit events match"
          hint="Widen the time range or clear the filters."
        />
      ) : (
        <Table>
          <TableCaption>Audit events</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Actor</TableHead>
              <TableHead>Action</TableHead>
              <TableHead>Target</TableHead>
              <TableHead>Outcome</TableHead>
              <TableHead>Reason · change</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((e) => (
              <TableRow key={e.id} data-testid="audit-row">
                <TableCell>
                  <TimeAgo date={e.at} />
                </TableCell>
                <TableCell>
                  <div>{e.actor}</div>
                  <div className="text-xs text-muted-foreground">
                    {[e.actorEmail !== e.actor ? e.actorEmail : null, e.actorRole, e.clientIp]
                      .filter(Boolean)
                      .join(" · ")}
                  </div>
                </TableCell>
                <TableCell className="font-mono text-xs">{e.action}</TableCell>
                <TableCell className="text-xs">
                  {e.targetType}
                  {e.targetId ? <span className="font-mono"> {e.targetId}</span> : null}
                </TableCell>
                <TableCell>
                  <StatusBadge status={e.outcome} />
                </TableCell>
                <TableCell className="max-w-96 text-xs text-muted-foreground">
                  {e.reason ?? ""}
                  <Change before={e.before} after={e.after} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath="/audit" params={params} />
    </>
  );
}
