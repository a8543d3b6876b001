import type { Metadata } from "next";
import Link from "next/link";
import { CheckCircle2, CircleSlash } from "lucide-react";
import { clock } from "@/lib/clock";
import { requirePageActor } from "@/server/auth/page";
import {
  listChannels,
  type ChannelRow,
  type SubscriptionRow,
} from "@/server/notifications/channels";
import { notificationFormOptions } from "@/server/notifications/options";
import {
  addSubscriptionAction,
  createChannelAction,
  deleteChannelAction,
  removeSubscriptionAction,
  setChannelEnabledAction,
} from "@/actions/notifications";
import { roleHas } from "@/lib/domain/access/policy";
import {
  CHANNEL_KIND_LABELS,
  NOTIFICATION_EVENTS,
  NOTIFICATION_EVENT_LABELS,
} from "@/lib/domain/notifications/events";
import { EmptyState, PageHeader } from "@/components/common/page-header";
import { Forbidden } from "@/components/common/forbidden";
import { TimeAgo } from "@/components/common/time-ago";
import { ActionButton } from "@/components/common/action-button";
import { hrefWith } from "@/components/common/search-params";
import { Badge } from "@/components/ui/badge";
import { buttonVariants } from "@/components/ui/button";
import { AddSubscriptionForm, CreateChannelForm } from "@/components/admin/notification-controls";

export const metadata: Metadata = { title: "Notifications" };

const DELIVERIES = "/admin/notifications/deliveries";

/** "team Search & Ranking · model ranker-xl", or "everything" when nothing narrows it. */
function scopeOf(s: SubscriptionRow): string {
  const parts = [
    s.team !== null ? `team ${s.team}` : null,
    s.model !== null ? `model ${s.model}` : null,
    s.environment !== null ? `environment ${s.environment}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(" · ") : "everything";
}

export default async function NotificationsPage() {
  const actor = await requirePageActor();
  if (!roleHas(actor.role, "settings.manage")) {
    return <Forbidden what="manage notification channels" />;
  }
  const [channels, options] = await Promise.all([
    listChannels(actor),
    notificationFormOptions(actor),
  ]);
  const now = clock.now();
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Tell people where they already are: Slack channels, PagerDuty services and signed webhooks receive what happens to rollouts, promotions, SLOs and incidents. Every message is queued with the change that caused it and retried until the receiver takes it."
        actions={
          <Link href={DELIVERIES} className={buttonVariants({ variant: "outline", size: "sm" })}>
            Delivery log
          </Link>
        }
      />
      <h2 className="mb-2 text-sm font-semibold">Add channel</h2>
      <CreateChannelForm createChannel={createChannelAction} />
      <h2 className="mb-2 mt-6 text-sm font-semibold">Channels</h2>
      {channels.length === 0 ? (
        <EmptyState
          title="No channels yet"
          hint="Add one above, then subscribe it to the events of a team, a model or an environment."
        />
      ) : (
        <ul className="flex flex-col gap-4" aria-label="Channels">
          {channels.map((c) => (
            <li key={c.id}>
              <ChannelCard channel={c} now={now} options={options} />
            </li>
          ))}
        </ul>
      )}
      <p className="mt-4 text-sm text-muted-foreground">
        Every message sent, waiting or given up on is in the{" "}
        <Link href={DELIVERIES} className="font-medium text-foreground underline">
          delivery log
        </Link>
        , where a dead or lost one can be sent again.
      </p>
    </>
  );
}

function ChannelCard({
  channel: c,
  now,
  options,
}: {
  channel: ChannelRow;
  now: Date;
  options: Awaited<ReturnType<typeof notificationFormOptions>>;
}) {
  const headingId = `channel-${c.id}`;
  const inbound = `/api/v1/notifications/pagerduty/${c.id}`;
  return (
    <section
      aria-labelledby={headingId}
      data-testid="channel"
      data-channel-id={c.id}
      data-name={c.name}
      className="rounded-lg border bg-card p-4"
    >
      <div className="flex flex-wrap items-start justify-between gap-3 sm:flex-nowrap">
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h3 id={headingId} className="font-semibold">
              {c.name}
            </h3>
            <Badge tone="info">{CHANNEL_KIND_LABELS[c.kind]}</Badge>
            {c.enabled ? (
              <Badge tone="good" data-testid="channel-state">
                <CheckCircle2 aria-hidden="true" />
                enabled
              </Badge>
            ) : (
              <Badge tone="warn" data-testid="channel-state">
                <CircleSlash aria-hidden="true" />
                disabled: messages wait
              </Badge>
            )}
          </div>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="text-muted-foreground">Destination</dt>
            <dd className="break-all font-mono text-xs leading-5">{c.destination}</dd>
            <dt className="text-muted-foreground">Secret</dt>
            <dd className="font-mono text-xs leading-5">{c.secretHint}</dd>
            <dt className="text-muted-foreground">Queue</dt>
            <dd data-testid="channel-queue">
              <Link
                href={hrefWith(DELIVERIES, { channel: c.id, status: "pending" })}
                className="underline-offset-2 hover:underline"
              >
                {c.pending} pending
              </Link>
              {" · "}
              <Link
                href={hrefWith(DELIVERIES, { channel: c.id, status: "dead" })}
                className={
                  c.dead > 0
                    ? "font-medium text-red-700 underline-offset-2 hover:underline dark:text-red-300"
                    : "underline-offset-2 hover:underline"
                }
              >
                {c.dead} dead
              </Link>
              {" · "}
              <Link
                href={hrefWith(DELIVERIES, { channel: c.id })}
                className="underline-offset-2 hover:underline"
              >
                all deliveries
              </Link>
            </dd>
            {c.kind === "pagerduty" ? (
              <>
                <dt className="text-muted-foreground">Acknowledgements</dt>
                <dd className="text-xs leading-5">
                  {c.acceptsAcknowledgements ? (
                    <>
                      PagerDuty&apos;s webhook subscription posts to{" "}
                      <code className="break-all font-mono" data-testid="pagerduty-inbound">
                        {inbound}
                      </code>{" "}
                      on this Flightdeck&apos;s address.
                    </>
                  ) : (
                    <span className="text-muted-foreground">
                      not accepted (no webhook signing secret was given)
                    </span>
                  )}
                </dd>
              </>
            ) : null}
            <dt className="text-muted-foreground">Added</dt>
            <dd className="text-xs leading-5">
              <TimeAgo date={c.createdAt} now={now} />
              <span className="text-muted-foreground">by {c.createdBy}</span>
            </dd>
          </dl>
        </div>
        <div
          role="group"
          aria-label={`Actions for ${c.name}`}
          className="flex shrink-0 flex-wrap gap-2"
        >
          <ActionButton
            action={setChannelEnabledAction}
            input={{ channelId: c.id, enabled: !c.enabled, version: c.version }}
            label={c.enabled ? "Disable" : "Enable"}
            confirm={
              c.enabled
                ? `Disable “${c.name}”? Its messages wait in the queue until it is enabled again.`
                : undefined
            }
          />
          <ActionButton
            action={deleteChannelAction}
            input={{ channelId: c.id }}
            label="Delete"
            variant="destructive"
            confirm={`Delete “${c.name}” with its subscriptions and its ${c.pending} waiting message${c.pending === 1 ? "" : "s"}? Nothing more is sent there.`}
          />
        </div>
      </div>

      <h4 className="mb-1 mt-4 text-sm font-semibold">Subscriptions</h4>
      {c.subscriptions.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          None yet: this channel receives nothing until it is subscribed to events.
        </p>
      ) : (
        <ul className="divide-y rounded-md border" aria-label={`Subscriptions of ${c.name}`}>
          {c.subscriptions.map((s) => {
            const scope = scopeOf(s);
            const events = [...s.events]
              .sort((a, b) => NOTIFICATION_EVENTS.indexOf(a) - NOTIFICATION_EVENTS.indexOf(b))
              .map((e) => NOTIFICATION_EVENT_LABELS[e] ?? e);
            return (
              <li
                key={s.id}
                data-testid="subscription"
                className="flex flex-wrap items-center justify-between gap-2 px-3 py-2 text-sm"
              >
                <div className="min-w-0">
                  <div>
                    <span className="text-muted-foreground">For </span>
                    <span className="font-medium" data-testid="subscription-scope">
                      {scope}
                    </span>
                  </div>
                  <ul className="mt-1 flex flex-wrap gap-1" aria-label="Events">
                    {events.map((label) => (
                      <li key={label}>
                        <Badge>{label}</Badge>
                      </li>
                    ))}
                  </ul>
                </div>
                <div role="group" aria-label={`Subscription for ${scope}`}>
                  <ActionButton
                    action={removeSubscriptionAction}
                    input={{ subscriptionId: s.id }}
                    label="Remove"
                    confirm={`Stop sending ${events.join(", ")} for ${scope} to “${c.name}”?`}
                  />
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <details className="group mt-3 rounded-md border">
        <summary className="cursor-pointer select-none px-3 py-2 text-sm font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
          Add subscription
        </summary>
        <div className="border-t p-3">
          <AddSubscriptionForm
            channelId={c.id}
            channelName={c.name}
            kind={c.kind}
            teams={options.teams}
            models={options.models}
            environments={options.environments}
            addSubscription={addSubscriptionAction}
          />
        </div>
      </details>
    </section>
  );
}
