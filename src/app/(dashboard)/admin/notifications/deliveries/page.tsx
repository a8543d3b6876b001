import type { Metadata } from "next";
import Link from "next/link";
import { CheckCircle2, Clock, OctagonX } from "lucide-react";
import { clock } from "@/lib/clock";
import { requirePageActor } from "@/server/auth/page";
import { listChannels } from "@/server/notifications/channels";
import { listDeliveries, type DeliveryRow } from "@/server/notifications/deliveries";
import { redeliverAction } from "@/actions/notifications";
import { roleHas } from "@/lib/domain/access/policy";
import { NOTIFICATION_EVENT_LABELS } from "@/lib/domain/notifications/events";
import { firstValues } from "@/lib/schemas/list-query";
import { deliveryQuerySchema } from "@/lib/schemas/notifications";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { Pagination } from "@/components/common/pagination";
import { TimeAgo } from "@/components/common/time-ago";
import { ActionButton } from "@/components/common/action-button";
import { AutoRefresh } from "@/components/common/auto-refresh";
import { ListFilters, linkFilter, selectFilter } from "@/components/common/list-filters";
import type { QueryParams, SearchParams } from "@/components/common/search-params";
import { Badge } from "@/components/ui/badge";
import { buttonVariants } from "@/components/ui/button";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";

export const metadata: Metadata = { title: "Notification deliveries" };

const BASE = "/admin/notifications/deliveries";

const STATUS_FILTER = [
  { value: "", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "delivered", label: "Delivered" },
  { value: "dead", label: "Dead" },
];

/** A delivery's state in words with an icon: it reads without colour. */
function DeliveryStatus({ status }: { status: DeliveryRow["status"] }) {
  if (status === "delivered") {
    return (
      <Badge tone="good" data-status={status}>
        <CheckCircle2 aria-hidden="true" />
        delivered
      </Badge>
    );
  }
  if (status === "dead") {
    return (
      <Badge tone="bad" data-status={status}>
        <OctagonX aria-hidden="true" />
        dead: gave up
      </Badge>
    );
  }
  return (
    <Badge tone="info" data-status={status}>
      <Clock aria-hidden="true" />
      pending
    </Badge>
  );
}

export default async function DeliveriesPage({ searchParams }: { searchParams: SearchParams }) {
  const actor = await requirePageActor();
  if (!roleHas(actor.role, "settings.manage")) {
    return <Forbidden what="read the notification delivery log" />;
  }
  const raw = firstValues(await searchParams);
  const query = deliveryQuerySchema.parse(raw);
  // Only what the page understands goes into its links.
  const params: QueryParams = {
    status: query.status,
    channel: query.channel,
    page: query.page > 1 ? String(query.page) : undefined,
  };
  const [page, channels] = await Promise.all([listDeliveries(actor, query), listChannels(actor)]);
  const now = clock.now();
  const filtered = query.status !== undefined || query.channel !== undefined;
  const channelName = channels.find((c) => c.id === query.channel)?.name;
  return (
    <>
      <PageHeader
        title="Notification deliveries"
        description="Every message to every channel, newest first. Failed sends are retried with backoff (10 s doubling to 5 minutes) for about 45 minutes, then given up as dead; a receiver that refuses a message (a 4xx) is dead at once. Redeliver sends the same event id again, so receivers can deduplicate."
        actions={
          <Link
            href="/admin/notifications"
            className={buttonVariants({ variant: "outline", size: "sm" })}
          >
            Channels
          </Link>
        }
      />
      <ListFilters
        label="Filter deliveries"
        basePath={BASE}
        params={params}
        className="mb-3"
        filters={[
          linkFilter("status", "Status", query.status ?? "", STATUS_FILTER),
          selectFilter(
            "channel",
            "Channel",
            query.channel,
            channels.map((c) => ({ value: c.id, label: c.name })),
            "All channels",
          ),
        ]}
      />
      {page.rows.some((d) => d.status === "pending") ? <AutoRefresh everyMs={5_000} /> : null}
      {page.total === 0 ? (
        <EmptyState
          title={filtered ? "No deliveries match these filters" : "No deliveries yet"}
          hint={
            filtered
              ? `Nothing ${query.status ?? "sent"}${channelName ? ` to ${channelName}` : ""}. Clear the filters to see every delivery.`
              : "Messages appear here when a subscribed event happens: subscribe a channel on the Notifications page."
          }
        />
      ) : (
        <Table>
          <TableCaption>Notification deliveries</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Time</TableHead>
              <TableHead>Event</TableHead>
              <TableHead>Channel</TableHead>
              <TableHead>Status</TableHead>
              <TableHead className="text-right">Attempts</TableHead>
              <TableHead>Last answer</TableHead>
              <TableHead>Next attempt</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {page.rows.map((d) => (
              <TableRow
                key={d.id}
                data-testid="delivery-row"
                data-event-type={d.type}
                data-event-id={d.eventId}
                data-status={d.status}
                className="align-top"
              >
                <TableCell className="whitespace-nowrap align-top">
                  <TimeAgo date={d.createdAt} now={now} />
                </TableCell>
                <TableCell className="max-w-md align-top">
                  <div className="font-medium">{NOTIFICATION_EVENT_LABELS[d.type] ?? d.type}</div>
                  <div className="text-xs text-muted-foreground">{d.summary}</div>
                  <Link
                    href={d.subjectPath}
                    className="text-xs font-medium underline underline-offset-2"
                  >
                    {d.subjectName}
                  </Link>
                </TableCell>
                <TableCell className="align-top">{d.channel}</TableCell>
                <TableCell className="whitespace-nowrap align-top">
                  <div className="flex flex-col items-start gap-1">
                    <DeliveryStatus status={d.status} />
                    {d.status === "delivered" && d.deliveredAt ? (
                      <span className="text-xs text-muted-foreground">
                        <TimeAgo date={d.deliveredAt} now={now} />
                      </span>
                    ) : null}
                  </div>
                </TableCell>
                <TableCell className="text-right align-top tabular-nums">{d.attempts}</TableCell>
                <TableCell className="max-w-xs align-top text-xs">
                  {d.lastStatus !== null ? (
                    <div className="font-mono">HTTP {d.lastStatus}</div>
                  ) : null}
                  {d.lastError ? (
                    <div className="break-words text-red-700 dark:text-red-300">{d.lastError}</div>
                  ) : null}
                  {d.lastStatus === null && !d.lastError ? (
                    <span className="text-muted-foreground">—</span>
                  ) : null}
                </TableCell>
                <TableCell className="whitespace-nowrap align-top">
                  {d.status === "pending" && d.nextAttemptAt ? (
                    <TimeAgo date={d.nextAttemptAt} now={now} />
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
                <TableCell className="align-top">
                  {d.status !== "pending" ? (
                    <div role="group" aria-label={`Delivery of ${d.subjectName} to ${d.channel}`}>
                      <ActionButton
                        action={redeliverAction}
                        input={{ deliveryId: d.id }}
                        label="Redeliver"
                        confirm={`Send “${d.summary}” to ${d.channel} again, with the same event id?`}
                      />
                    </div>
                  ) : null}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Pagination {...page} basePath={BASE} params={params} />
    </>
  );
}
