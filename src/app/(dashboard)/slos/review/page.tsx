import type { Metadata } from "next";
import Link from "next/link";
import { Printer } from "lucide-react";
import { requirePageActor } from "@/server/auth/page";
import { sloReview, type ReviewRow, type SloReview } from "@/server/slos/review";
import type { SearchParams } from "@/components/common/search-params";
import { firstValues } from "@/lib/schemas/list-query";
import { PageHeader } from "@/components/common/page-header";
import { Button, buttonVariants } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";
import {
  Table,
  TableBody,
  TableCaption,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { PrintButton } from "@/components/slos/print-button";
import { formatAbsolute } from "@/components/common/time-ago";
import { percent } from "@/components/slos/format";
import { reviewRowsShown } from "@/lib/domain/slos/review-exceptions";
import { ResponseBreakdown, ResponseHeadline } from "@/components/incidents/response-times";
import { DeliveryByTeam, ReviewSummary } from "@/components/slos/review-summary";

export const metadata: Metadata = { title: "SLO review" };

/**
 * How the review prints: A4 portrait, the summary alone on the first page, tables that repeat
 * their header on each page and break between rows only, and cells that wrap between words but
 * never inside one (so no column is narrower than its longest word). Paper is narrower than the
 * layout's desktop breakpoint: the navigation shown above the page on narrow screens is hidden.
 */
const PRINT_CSS = `
@page { size: A4 portrait; margin: 12mm; }
@media print {
  .review-print thead { display: table-header-group; }
  .review-print tr { break-inside: avoid; }
  .review-print th, .review-print td { word-break: keep-all; overflow-wrap: normal; hyphens: manual; }
  .review-print h2, .review-print h3 { break-after: avoid; }
  .review-print .overflow-auto { overflow: visible; }
}
`;

const share = (x: number | null) => (x === null ? "—" : percent(x, 1));

// A quarter's review of a large fleet lists hundreds of SLOs, and every byte of a row is sent
// twice (the HTML and React's payload): the rows are plain elements styled by their table body's
// class, `review-rows` in globals.css (not a class list on each of thousands of cells, nor the
// same long list on each team's table), with plain links (not Next.js links, each a client
// component that would prefetch on sight).

function change(row: ReviewRow): { className: string; text: string } {
  if (row.attainment === null || row.previousAttainment === null) {
    return { className: "same", text: "—" };
  }
  const pp = (row.attainment - row.previousAttainment) * 100;
  if (Math.abs(pp) < 0.0005) return { className: "same", text: "no change" };
  const text = `${pp >= 0 ? "+" : "−"}${Math.abs(pp).toFixed(3)} pp`;
  return pp < 0 ? { className: "down", text: `▼ ${text}` } : { className: "up", text: `▲ ${text}` };
}

function verdict(met: boolean | null): { className: string; text: string } {
  if (met === null) return { className: "verdict nodata", text: "no data" };
  return met
    ? { className: "verdict met", text: "✓ met" }
    : { className: "verdict missed", text: "✗ missed" };
}

function SloRow({ service, row: r }: { service: string; row: ReviewRow }) {
  const v = verdict(r.met);
  const c = change(r);
  return (
    <tr data-testid="review-row" data-slo={r.slo}>
      <td>
        <span>{`${service} ·`}</span> <a href={`/slos/${r.slo}`}>{r.displayName ?? r.slo}</a>
        <div>{`${r.incidents} incidents · ${r.rollouts} rollouts`}</div>
      </td>
      <td className="num">{percent(r.objective)}</td>
      <td className="num">{r.attainment === null ? "—" : percent(r.attainment)}</td>
      <td>
        <span className={v.className}>{v.text}</span>
      </td>
      <td className="num">
        <span className={c.className}>{c.text}</span>
      </td>
      <td className="num">{share(r.consumed)}</td>
      <td className="num">{share(r.consumedByIncidents)}</td>
      <td className="num">{share(r.consumedByRollouts)}</td>
    </tr>
  );
}

/** MTTA and MTTR of the period's incidents, by severity and by team. */
function IncidentResponse({ review }: { review: SloReview }) {
  const response = review.incidentResponse;
  return (
    <section aria-labelledby="response-heading" className="mb-6" data-testid="incident-response">
      <h2 id="response-heading" className="mb-1 text-base font-semibold">
        Incident response
      </h2>
      <p className="mb-3 text-sm text-muted-foreground">
        {response.incidents === 0
          ? `No incidents were detected in ${review.period.label}.`
          : `Time from detection to acknowledgement (MTTA) and to resolution (MTTR) of the ${response.incidents === 1 ? "incident" : `${response.incidents} incidents`} detected in ${review.period.label}, per ${response.unit}.`}
      </p>
      {response.incidents > 0 ? (
        <>
          <ResponseHeadline data={response} />
          <h3 className="mb-2 text-sm font-semibold">By severity</h3>
          <div className="mb-4">
            <ResponseBreakdown data={response} grouping="severity" id="response-by-severity" />
          </div>
          <h3 className="mb-2 text-sm font-semibold">By team</h3>
          <ResponseBreakdown data={response} grouping="team" id="response-by-team" />
        </>
      ) : null}
    </section>
  );
}

export default async function SloReviewPage({ searchParams }: { searchParams: SearchParams }) {
  const params = firstValues(await searchParams);
  const review = await sloReview(await requirePageActor(), params.period);
  const { period, previous, totals } = review;
  // Each team's table lists its exceptions (misses, no data, most budget spent) unless every SLO
  // is asked for: a large fleet's review listed a thousand SLOs.
  const everySlo = params.slos === "all";
  return (
    <article aria-label={`Reliability review: ${period.label}`} className="review-print">
      <style>{PRINT_CSS}</style>
      <div className="mb-8 print:mb-0 print:break-after-page" data-testid="review-first-page">
        <nav aria-label="Breadcrumb" className="mb-2 text-sm text-muted-foreground print:hidden">
          <Link href="/slos" className="hover:underline">
            SLOs
          </Link>{" "}
          / Review
        </nav>
        <PageHeader
          title={`Reliability review: ${period.label}`}
          description={`${period.start.toISOString().slice(0, 10)} to ${new Date(period.end.getTime() - 1).toISOString().slice(0, 10)} (UTC), compared with ${previous.label}.`}
          actions={
            <div className="flex flex-wrap items-end gap-2 print:hidden">
              <form method="get" className="flex items-end gap-2" aria-label="Choose the period">
                <label className="flex flex-col gap-1 text-xs text-muted-foreground">
                  Period
                  <NativeSelect name="period" defaultValue={period.key} aria-label="Period">
                    {review.choices.map((c) => (
                      <option key={c.key} value={c.key}>
                        {c.label}
                      </option>
                    ))}
                  </NativeSelect>
                </label>
                {everySlo ? <input type="hidden" name="slos" value="all" /> : null}
                <Button type="submit" size="sm" variant="outline">
                  Show
                </Button>
              </form>
              <Button asChild size="sm" variant="outline">
                <a href={`/api/v1/slos/review?period=${period.key}&format=csv`} download>
                  Download CSV
                </a>
              </Button>
              <PrintButton className={buttonVariants({ size: "sm", variant: "outline" })}>
                <Printer aria-hidden="true" /> Print
              </PrintButton>
            </div>
          }
        />
        <p className="mb-3 text-sm" data-testid="review-totals">
          <strong>{totals.met}</strong> of {totals.slos} SLOs met their objective
          {totals.missed > 0 ? (
            <>
              , <strong className="text-red-700 dark:text-red-300">{totals.missed} missed</strong>
            </>
          ) : null}
          {totals.noData > 0 ? `, ${totals.noData} without data` : ""}.{" "}
          <span className="text-xs text-muted-foreground" data-testid="review-computed">
            Figures as of{" "}
            <time dateTime={review.computedAt.toISOString()}>
              {formatAbsolute(review.computedAt)}
            </time>
            .
          </span>
        </p>
        <ReviewSummary
          summary={review.summary}
          periodLabel={period.label}
          previousLabel={previous.label}
        />
      </div>
      <div className="print:text-xs" data-testid="review-details">
        <section aria-labelledby="delivery-heading" className="mb-6">
          <h2 id="delivery-heading" className="mb-1 text-base font-semibold">
            Delivery by team
          </h2>
          <p className="mb-2 text-sm text-muted-foreground">
            Production rollouts that ended in {period.label}, with {previous.label} beneath in grey:
            how many shipped and how often, the median time from a version&apos;s registration to
            serving all traffic, the share of rollouts that failed (rolled back, aborted or linked
            to an incident), and the mean time to restore service after the incidents changes
            caused.
          </p>
          <DeliveryByTeam
            teams={review.deliveryByTeam}
            periodLabel={period.label}
            previousLabel={previous.label}
          />
        </section>
        {everySlo ? (
          <p
            className="mb-3 text-xs text-muted-foreground print:hidden"
            data-testid="review-every-slo"
          >
            Every SLO of every team.{" "}
            <Link
              href={`/slos/review?period=${period.key}`}
              className="font-medium text-foreground underline-offset-4 hover:underline"
            >
              Only each team&apos;s exceptions
            </Link>
          </p>
        ) : null}
        {review.teams.map((team) => {
          const all = team.services.flatMap((service) => service.rows);
          const { shown, hidden } = everySlo ? { shown: all, hidden: 0 } : reviewRowsShown(all);
          return (
            <section
              key={team.team}
              aria-labelledby={`team-${team.team}`}
              className="mb-6 print:break-inside-avoid"
              data-testid="review-team"
            >
              <h2 id={`team-${team.team}`} className="mb-1 text-base font-semibold">
                {team.team}{" "}
                <span className="text-sm font-normal text-muted-foreground">
                  {team.met} of {team.slos} met{team.missed ? `, ${team.missed} missed` : ""}
                </span>
              </h2>
              <Table className="print:text-xs">
                <TableCaption>
                  {team.team}: attainment in {period.label} against target
                </TableCaption>
                <TableHeader>
                  <TableRow>
                    <TableHead className="print:px-1 print:normal-case print:tracking-normal">
                      Service · SLO
                    </TableHead>
                    <TableHead className="w-20 text-right print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      Target
                    </TableHead>
                    <TableHead className="w-24 text-right print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      Attainment
                    </TableHead>
                    <TableHead className="w-24 print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      Result
                    </TableHead>
                    <TableHead className="w-36 text-right print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      vs {previous.label}
                    </TableHead>
                    <TableHead className="w-24 text-right print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      Budget spent
                    </TableHead>
                    <TableHead className="w-24 text-right print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      in incidents
                    </TableHead>
                    <TableHead className="w-24 text-right print:w-auto print:px-1 print:normal-case print:tracking-normal">
                      in rollouts
                    </TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody className="review-rows">
                  {shown.map((r) => (
                    <SloRow key={r.slo} service={r.service} row={r} />
                  ))}
                </TableBody>
              </Table>
              {hidden > 0 ? (
                <p className="mt-1 text-xs text-muted-foreground" data-testid="review-team-more">
                  The {shown.length} of {team.slos} SLOs that missed, had no data or spent the most
                  of their budget; {hidden} more in the CSV
                  {/* on paper the sentence ends with the CSV: a link cannot be followed there */}
                  <span className="print:hidden">
                    {" "}
                    or{" "}
                    <Link
                      href={`/slos/review?period=${period.key}&slos=all`}
                      className="font-medium text-foreground underline-offset-4 hover:underline"
                    >
                      every SLO of every team
                    </Link>
                  </span>
                  .
                </p>
              ) : null}
            </section>
          );
        })}
        <IncidentResponse review={review} />
        <p className="text-xs text-muted-foreground">
          Budget spent during incidents and rollouts counts the bad events of every hour in which an
          incident of the service was open or a rollout of it was running; an hour with both counts
          for both. The summary&apos;s split counts such an hour for incidents only, so its parts
          add up to what was spent. Delivery figures count production rollouts of a new version (not
          rollbacks); see the README for their definitions.
        </p>
      </div>
    </article>
  );
}
