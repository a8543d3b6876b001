import Link from "next/link";
import type { OnCallBoard } from "@/server/incidents/oncall";
import { StatusBadge } from "@/components/common/status-badge";
import { TimeAgo } from "@/components/common/time-ago";
import { burn, duration } from "@/components/slos/format";

function Panel({
  id,
  title,
  href,
  empty,
  children,
  count,
}: {
  id: string;
  title: string;
  href: string;
  empty: string;
  count: number;
  children: React.ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="rounded-lg border bg-card" data-testid={id}>
      <h2
        id={id}
        className="flex items-baseline justify-between border-b px-4 py-2 text-sm font-semibold"
      >
        <Link href={href} className="hover:underline">
          {title}
        </Link>
        <span className="text-xs font-normal text-muted-foreground">{count}</span>
      </h2>
      {count === 0 ? (
        <p className="p-4 text-sm text-muted-foreground">{empty}</p>
      ) : (
        <ul className="divide-y">{children}</ul>
      )}
    </section>
  );
}

/** The on-call board: what is broken, what is burning, what is moving, what just changed. */
export function OnCall({ board, q }: { board: OnCallBoard; q: string }) {
  return (
    <div className="mb-6 grid grid-cols-1 gap-3 lg:grid-cols-2" aria-label="On call">
      <Panel
        id="oncall-incidents"
        title="Active incidents"
        href={`/incidents${q}`}
        empty="No open incidents."
        count={board.openIncidents}
      >
        {board.incidents.map((i) => (
          <li key={i.number} className="space-y-1 px-4 py-2 text-sm">
            <Link
              href={`/incidents/${i.number}`}
              className="block truncate font-medium hover:underline"
            >
              <span className="text-muted-foreground">#{i.number}</span> {i.title}
            </Link>
            <div className="flex flex-wrap items-center gap-2 text-xs">
              <StatusBadge status={i.severity} />
              <StatusBadge status={i.status} />
              {i.acknowledgedAt ? null : <span className="font-medium">unacknowledged</span>}
              <TimeAgo date={i.detectedAt} />
            </div>
          </li>
        ))}
      </Panel>
      <Panel
        id="oncall-burning"
        title="Burning SLOs"
        href="/slos?status=at_risk"
        empty="No SLO is burning its error budget faster than it can sustain."
        count={board.burningSlos.length}
      >
        {board.burningSlos.map((s) => (
          <li key={s.name} className="flex items-center justify-between gap-3 px-4 py-2 text-sm">
            <Link href={`/slos/${s.name}`} className="min-w-0 truncate font-medium hover:underline">
              {s.displayName ?? s.name}
            </Link>
            <div className="flex shrink-0 items-center gap-2 text-xs tabular-nums">
              {s.firing ? <StatusBadge status={s.firing} /> : null}
              <span>burn {burn(s.burnRate1h)} (1 h)</span>
              {s.remaining !== null && s.remaining <= 0 ? (
                <span className="font-medium">budget exhausted</span>
              ) : s.exhaustsInMin !== null ? (
                <span className="text-muted-foreground">
                  budget gone in {duration(s.exhaustsInMin)}
                </span>
              ) : null}
            </div>
          </li>
        ))}
      </Panel>
      <Panel
        id="oncall-rollouts"
        title="Rollouts in flight"
        href={`/rollouts${q}`}
        empty="No rollout is moving traffic now."
        count={board.rollouts.length}
      >
        {board.rollouts.map((r) => (
          <li key={r.id} className="flex items-center justify-between gap-3 px-4 py-2 text-sm">
            <Link href={`/rollouts/${r.id}`} className="min-w-0 hover:underline">
              <div className="truncate font-medium">
                {r.model}{" "}
                <span className="font-mono text-xs text-muted-foreground">
                  {r.fromVersion ?? "—"} → {r.toVersion}
                </span>
              </div>
              <div className="text-xs text-muted-foreground">{r.environment}</div>
            </Link>
            <div className="flex shrink-0 items-center gap-2 text-xs tabular-nums">
              <StatusBadge status={r.status} />
              <span>{r.weight}%</span>
              <TimeAgo date={r.createdAt} />
            </div>
          </li>
        ))}
      </Panel>
      <Panel
        id="oncall-changes"
        title="Recent changes (24 h)"
        href={`/rollouts${q}`}
        empty="Nothing changed in the last 24 hours."
        count={board.changes.length}
      >
        {board.changes.map((c) => (
          <li key={c.id} className="space-y-1 px-4 py-2 text-sm">
            <Link href={c.href} className="block truncate hover:underline">
              <span className="mr-2 rounded border px-1.5 py-0.5 text-xs">{c.kind}</span>
              {c.title}
            </Link>
            <div className="flex flex-wrap items-center gap-2 text-xs">
              <StatusBadge status={c.status} />
              {c.actor ? <span className="text-muted-foreground">by {c.actor}</span> : null}
              <TimeAgo date={c.at} />
            </div>
          </li>
        ))}
      </Panel>
    </div>
  );
}
