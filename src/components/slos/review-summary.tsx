import type { ReactNode } from "react";
import Link from "next/link";
import type { DeliveryFigures } from "@/lib/domain/rollouts/delivery";
import type { DurationStats } from "@/lib/domain/incidents/response-times";
import {
  summaryTeams,
  type Compared,
  type Offender,
  type SeverityCount,
  type TeamBudget,
  type TeamTrend,
  type TrendPeriod,
  type VerdictCounts,
} from "@/lib/domain/slos/review-summary";
import { percent } from "@/components/slos/format";
import { responseTime } from "@/components/incidents/format";
import { AttainmentTrend } from "@/components/slos/attainment-trend";
import { shortLabel } from "@/components/slos/period-label";
import { cn } from "@/lib/utils";

/** What the summary shows: the review service's `summary`, as plain data. */
export interface ReviewSummaryView {
  slos: Compared<VerdictCounts>;
  teams: TeamBudget[];
  worst: Offender[];
  incidents: { total: Compared<number>; bySeverity: SeverityCount[] };
  mtta: Compared<DurationStats>;
  mttr: Compared<DurationStats>;
  delivery: Compared<DeliveryFigures>;
  trend: { periods: TrendPeriod[]; teams: TeamTrend[] };
}

/** Teams the one page lists; more are counted and found in the tables that follow. */
export const SUMMARY_TEAMS = 8;

const share = (x: number | null) => (x === null ? "—" : percent(x, 1));

/**
 * The change from the period before, in words and an arrow (never colour alone): "▲ 2",
 * "▼ 1.5 pp", "no change"; tinted good or bad when `better` says which way is good.
 */
function Change({
  current,
  previous,
  format,
  better,
}: {
  current: number | null;
  previous: number | null;
  format: (delta: number) => string;
  better?: "higher" | "lower";
}) {
  if (current === null || previous === null)
    return <span className="text-muted-foreground">—</span>;
  const delta = current - previous;
  if (Math.abs(delta) < 1e-9) return <span className="text-muted-foreground">no change</span>;
  const good = better === undefined ? null : delta > 0 === (better === "higher");
  return (
    <span
      className={cn(
        "whitespace-nowrap",
        good === true && "text-emerald-700 dark:text-emerald-300",
        good === false && "text-red-700 dark:text-red-300",
      )}
    >
      {delta > 0 ? "▲" : "▼"} {format(Math.abs(delta))}
    </span>
  );
}

function Figure({
  term,
  value,
  children,
  testId,
}: {
  term: string;
  value: ReactNode;
  children: ReactNode;
  testId: string;
}) {
  return (
    <div className="rounded-lg border bg-card px-3 py-2" data-testid={testId}>
      <dt className="text-xs font-medium text-muted-foreground">{term}</dt>
      <dd className="text-lg font-semibold tabular-nums leading-tight">{value}</dd>
      <dd className="text-xs text-muted-foreground">{children}</dd>
    </div>
  );
}

/** A compact table for the one page: small type, tight cells, nothing wraps mid-word. */
function SummaryTable({
  caption,
  head,
  children,
  testId,
  wrapHead = false,
}: {
  caption: string;
  head: ReactNode[];
  children: ReactNode;
  testId: string;
  /** let headers wrap between words (wide tables); the summary's stay on one line */
  wrapHead?: boolean;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border bg-card print:overflow-visible">
      <table className="w-full text-xs" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-muted/50">
          <tr className="border-b">
            {head.map((h, i) => (
              <th
                key={i}
                scope="col"
                className={cn(
                  "px-1.5 py-1 text-left font-medium text-muted-foreground print:px-1",
                  !wrapHead && "whitespace-nowrap",
                  i > 0 && "text-right",
                )}
              >
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="[&_tr:last-child]:border-0">{children}</tbody>
      </table>
    </div>
  );
}

const Row = ({ children, className }: { children: ReactNode; className?: string }) => (
  <tr className={cn("border-b break-inside-avoid", className)}>{children}</tr>
);
const Num = ({ children, className }: { children: ReactNode; className?: string }) => (
  <td
    className={cn(
      "px-1.5 py-1 text-right tabular-nums whitespace-nowrap print:px-1 print:py-0.5",
      className,
    )}
  >
    {children}
  </td>
);
const Name = ({ children }: { children: ReactNode }) => (
  <th scope="row" className="px-1.5 py-1 text-left font-normal print:px-1 print:py-0.5">
    {children}
  </th>
);

const minutes = (s: { meanMinutes: number | null }) => responseTime(s.meanMinutes);
const minutesDelta = (d: number) => responseTime(d);
/** Lead and restore times in hours ("27.7 h"): delivery's table sits beside another on paper. */
const hours = (m: number | null) =>
  m === null ? "—" : Math.abs(m) < 60 ? `${Math.round(m)} min` : `${Number((m / 60).toFixed(1))} h`;
const hoursDelta = (d: number) => hours(d);
const count = (d: number) => String(Number(d.toFixed(2)));
const points = (d: number) => `${Number((d * 100).toFixed(1))} pp`;

function DeliveryRows({ delivery }: { delivery: Compared<DeliveryFigures> }) {
  const { current: c, previous: p } = delivery;
  const perWeek = (f: DeliveryFigures) =>
    f.deploymentsPerWeek === null ? "" : ` (${Number(f.deploymentsPerWeek.toFixed(1))}/wk)`;
  const cfr = (f: DeliveryFigures) =>
    f.changeFailureRate === null ? "—" : `${share(f.changeFailureRate)} (${f.failed}/${f.changes})`;
  return (
    <>
      <Row>
        <Name>Shipped</Name>
        <Num>
          {c.deployments}
          <span className="text-muted-foreground">{perWeek(c)}</span>
        </Num>
        <Num className="text-muted-foreground">{p.deployments}</Num>
        <Num>
          <Change current={c.deployments} previous={p.deployments} format={count} />
        </Num>
      </Row>
      <Row>
        <Name>Rolled back, aborted</Name>
        <Num>
          {c.rolledBack} · {c.aborted}
        </Num>
        <Num className="text-muted-foreground">
          {p.rolledBack} · {p.aborted}
        </Num>
        <Num>
          <Change
            current={c.rolledBack + c.aborted}
            previous={p.rolledBack + p.aborted}
            format={count}
            better="lower"
          />
        </Num>
      </Row>
      <Row>
        <Name>Change failure rate</Name>
        <Num>{cfr(c)}</Num>
        <Num className="text-muted-foreground">{share(p.changeFailureRate)}</Num>
        <Num>
          <Change
            current={c.changeFailureRate}
            previous={p.changeFailureRate}
            format={points}
            better="lower"
          />
        </Num>
      </Row>
      <Row>
        <Name>Lead time (median)</Name>
        <Num>{hours(c.leadTime.medianMinutes)}</Num>
        <Num className="text-muted-foreground">{hours(p.leadTime.medianMinutes)}</Num>
        <Num>
          <Change
            current={c.leadTime.medianMinutes}
            previous={p.leadTime.medianMinutes}
            format={hoursDelta}
            better="lower"
          />
        </Num>
      </Row>
      <Row>
        <Name>Time to restore (mean)</Name>
        <Num>
          {hours(c.timeToRestore.meanMinutes)}
          {c.timeToRestore.incidents > 0 ? (
            <span className="text-muted-foreground"> ({c.timeToRestore.incidents})</span>
          ) : null}
        </Num>
        <Num className="text-muted-foreground">{hours(p.timeToRestore.meanMinutes)}</Num>
        <Num>
          <Change
            current={c.timeToRestore.meanMinutes}
            previous={p.timeToRestore.meanMinutes}
            format={hoursDelta}
            better="lower"
          />
        </Num>
      </Row>
    </>
  );
}

/**
 * The review's executive summary, made to print on one A4 page: headline figures against the
 * period before, budget by team with the trend of SLOs met, the worst offenders with what their
 * budget went to, incidents and response, and delivery.
 */
export function ReviewSummary({
  summary,
  periodLabel,
  previousLabel,
}: {
  summary: ReviewSummaryView;
  periodLabel: string;
  previousLabel: string;
}) {
  const { slos, incidents, mtta, mttr, delivery } = summary;
  const now = shortLabel(periodLabel);
  const then = shortLabel(previousLabel);
  const { shown, more } = summaryTeams(summary.teams, SUMMARY_TEAMS);
  const shownNames = new Set(shown.map((t) => t.team));
  const vs = `vs ${previousLabel}`;
  return (
    <section aria-labelledby="summary-heading" className="space-y-3" data-testid="review-summary">
      <h2 id="summary-heading" className="text-base font-semibold">
        Executive summary
      </h2>
      <dl className="grid grid-cols-2 gap-2 md:grid-cols-4 print:grid-cols-4">
        <Figure
          term="SLOs met"
          testId="summary-slos"
          value={
            <>
              {slos.current.met} <span className="text-sm font-normal">of {slos.current.slos}</span>
            </>
          }
        >
          {slos.current.missed} missed
          {slos.current.noData ? `, ${slos.current.noData} no data` : ""};{" "}
          <Change
            current={slos.current.met}
            previous={slos.previous.met}
            format={count}
            better="higher"
          />{" "}
          {vs} ({slos.previous.met})
        </Figure>
        <Figure term="Incidents" testId="summary-incidents" value={incidents.total.current}>
          <Change
            current={incidents.total.current}
            previous={incidents.total.previous}
            format={count}
            better="lower"
          />{" "}
          {vs} ({incidents.total.previous})
        </Figure>
        <Figure
          term="Response (mean)"
          testId="summary-response"
          value={
            <span className="block text-sm">
              <span className="block whitespace-nowrap">
                <abbr title="Mean time to acknowledge" className="no-underline">
                  MTTA
                </abbr>{" "}
                {minutes(mtta.current)}
              </span>
              <span className="block whitespace-nowrap">
                <abbr title="Mean time to resolve" className="no-underline">
                  MTTR
                </abbr>{" "}
                {minutes(mttr.current)}
              </span>
            </span>
          }
        >
          {vs}: {minutes(mtta.previous)} and {minutes(mttr.previous)}
        </Figure>
        <Figure
          term="Change failure rate"
          testId="summary-cfr"
          value={share(delivery.current.changeFailureRate)}
        >
          {delivery.current.deployments} shipped, {delivery.current.rolledBack} rolled back; {vs}{" "}
          {share(delivery.previous.changeFailureRate)}
        </Figure>
      </dl>

      <div className="grid gap-3 md:grid-cols-[3fr_2fr] print:grid-cols-[3fr_2fr]">
        <div>
          <h3 className="mb-1 text-sm font-semibold">Budget spent by team</h3>
          <SummaryTable
            caption={`SLOs met and error budget spent by team in ${periodLabel}`}
            head={["Team", "SLOs met", "Budget spent", "Over"]}
            testId="summary-teams"
          >
            {shown.map((t) => (
              <Row key={t.team}>
                <Name>{t.team}</Name>
                <Num>
                  {t.current.met}/{t.current.met + t.current.missed}{" "}
                  <span className="text-muted-foreground">({t.previous.met})</span>
                </Num>
                <Num>{share(t.budgetSpent)}</Num>
                <Num>{t.overBudget}</Num>
              </Row>
            ))}
          </SummaryTable>
          <p className="mt-1 text-xs text-muted-foreground">
            SLOs met ({previousLabel} in brackets); budget spent: the mean share of each SLO&apos;s
            budget; over: SLOs that spent all of it.
            {more > 0 ? ` ${more} more teams in the tables that follow.` : ""}
          </p>
        </div>
        <figure>
          <figcaption className="mb-1 text-sm font-semibold">
            SLOs met, last four periods
          </figcaption>
          <AttainmentTrend
            periods={summary.trend.periods}
            teams={summary.trend.teams.filter((t) => shownNames.has(t.team))}
          />
        </figure>
      </div>

      <div>
        <h3 className="mb-1 text-sm font-semibold">Worst offenders: most error budget spent</h3>
        {summary.worst.length === 0 ? (
          <p className="text-xs text-muted-foreground">No SLO spent any budget.</p>
        ) : (
          <SummaryTable
            caption={`The five SLOs that spent the most error budget in ${periodLabel}, and what it went to`}
            head={["SLO", "Team", "Spent", "Incidents", "Rollouts", "Other"]}
            testId="worst-offenders"
          >
            {summary.worst.map((w) => (
              <Row key={w.slo}>
                <Name>
                  <Link href={`/slos/${w.slo}`} className="hover:underline">
                    {w.displayName ?? w.slo}
                  </Link>
                </Name>
                <Num className="text-left">{w.team}</Num>
                <Num className="font-medium">{share(w.consumed)}</Num>
                <Num>{share(w.split.incidents)}</Num>
                <Num>{share(w.split.rollouts)}</Num>
                <Num>{share(w.split.other)}</Num>
              </Row>
            ))}
          </SummaryTable>
        )}
      </div>

      <div className="grid gap-3 md:grid-cols-2 print:grid-cols-2">
        <div>
          <h3 className="mb-1 text-sm font-semibold">Incidents and response (means)</h3>
          <SummaryTable
            caption={`Incidents by severity, MTTA and MTTR in ${periodLabel} and ${previousLabel}`}
            head={["Incidents", now, then, "Change"]}
            testId="summary-severity"
          >
            {incidents.bySeverity.map((s) => (
              <Row key={s.severity}>
                <Name>{s.severity}</Name>
                <Num>{s.current}</Num>
                <Num className="text-muted-foreground">{s.previous}</Num>
                <Num>
                  <Change current={s.current} previous={s.previous} format={count} better="lower" />
                </Num>
              </Row>
            ))}
            <Row>
              <Name>MTTA</Name>
              <Num>{minutes(mtta.current)}</Num>
              <Num className="text-muted-foreground">{minutes(mtta.previous)}</Num>
              <Num>
                <Change
                  current={mtta.current.meanMinutes}
                  previous={mtta.previous.meanMinutes}
                  format={minutesDelta}
                  better="lower"
                />
              </Num>
            </Row>
            <Row>
              <Name>MTTR</Name>
              <Num>{minutes(mttr.current)}</Num>
              <Num className="text-muted-foreground">{minutes(mttr.previous)}</Num>
              <Num>
                <Change
                  current={mttr.current.meanMinutes}
                  previous={mttr.previous.meanMinutes}
                  format={minutesDelta}
                  better="lower"
                />
              </Num>
            </Row>
          </SummaryTable>
        </div>
        <div>
          <h3 className="mb-1 text-sm font-semibold">Delivery to production</h3>
          <SummaryTable
            caption={`Delivery figures of production rollouts in ${periodLabel} and ${previousLabel}`}
            head={["Production", now, then, "Change"]}
            testId="summary-delivery"
          >
            <DeliveryRows delivery={delivery} />
          </SummaryTable>
        </div>
      </div>
    </section>
  );
}

/** One team's DORA figures, with the period before's beneath each. */
export interface TeamDeliveryView {
  team: string;
  current: DeliveryFigures;
  previous: DeliveryFigures;
}

/** The period before's figure, beneath this period's. */
function Then({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="text-muted-foreground" title={label}>
      {children}
    </div>
  );
}

/** Delivery figures per team: the detailed table behind the summary's delivery figures. */
export function DeliveryByTeam({
  teams,
  periodLabel,
  previousLabel,
}: {
  teams: readonly TeamDeliveryView[];
  periodLabel: string;
  previousLabel: string;
}) {
  const perWeek = (f: DeliveryFigures) =>
    f.deploymentsPerWeek === null ? "—" : Number(f.deploymentsPerWeek.toFixed(1));
  const cfr = (f: DeliveryFigures) =>
    f.changeFailureRate === null ? "—" : `${share(f.changeFailureRate)} of ${f.changes}`;
  const then = shortLabel(previousLabel);
  const restore = (f: DeliveryFigures) =>
    f.timeToRestore.incidents === 0
      ? "—"
      : `${minutes(f.timeToRestore)} (${f.timeToRestore.incidents})`;
  return (
    <SummaryTable
      caption={`Delivery figures of production rollouts per team in ${periodLabel}, with ${previousLabel}`}
      head={[
        "Team",
        "Shipped",
        "Per week",
        "Lead time (median)",
        "Change failure rate",
        "Rolled back · aborted · incident",
        "Time to restore (mean)",
      ]}
      testId="delivery-by-team"
      wrapHead
    >
      {teams.map(({ team, current: c, previous: p }) => (
        <Row key={team}>
          <Name>{team}</Name>
          <Num>
            {c.deployments}
            <Then label={then}>{p.deployments}</Then>
          </Num>
          <Num>
            {perWeek(c)}
            <Then label={then}>{perWeek(p)}</Then>
          </Num>
          <Num>
            {responseTime(c.leadTime.medianMinutes)}
            <Then label={then}>{responseTime(p.leadTime.medianMinutes)}</Then>
          </Num>
          <Num>
            {cfr(c)}
            <Then label={then}>{cfr(p)}</Then>
          </Num>
          <Num>
            {c.rolledBack} · {c.aborted} · {c.linkedToIncident}
            <Then label={then}>
              {p.rolledBack} · {p.aborted} · {p.linkedToIncident}
            </Then>
          </Num>
          <Num>
            {restore(c)}
            <Then label={then}>{restore(p)}</Then>
          </Num>
        </Row>
      ))}
    </SummaryTable>
  );
}
