import { POSTMORTEM_BUDGET_SHARE } from "@/lib/domain/incidents/postmortem";
import { formatAbsolute } from "@/components/common/time-ago";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";

export type SloImpactItem =
  | { slo: string; missing: true }
  | {
      slo: string;
      missing: false;
      budgetingMethod: "occurrences" | "timeslices";
      share: number;
      bad: number;
      total: number;
    };

/** 0.0004 → "<0.1%": a little spent never reads as nothing. */
function shareText(share: number): string {
  if (share > 0 && share < 0.001) return "<0.1%";
  return `${Number((share * 100).toFixed(1))}%`;
}

const count = (n: number) => new Intl.NumberFormat("en").format(n);

function ImpactRow({ item }: { item: SloImpactItem }) {
  if (item.missing) {
    return (
      <li>
        <span className="font-medium">{item.slo}</span>
        <p className="text-muted-foreground">
          This SLO no longer exists: its impact cannot be computed.
        </p>
      </li>
    );
  }
  const unit = item.budgetingMethod === "timeslices" ? "minutes" : "events";
  const over = item.share > POSTMORTEM_BUDGET_SHARE;
  return (
    <li className="space-y-1">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
        <span className="font-medium">{item.slo}</span>
        <span className="tabular-nums">
          <span className="font-semibold">{shareText(item.share)}</span> of the error budget
        </span>
      </div>
      <div aria-hidden="true" className="h-1.5 w-full overflow-hidden rounded bg-muted">
        <div
          className={over ? "h-full bg-red-600" : "h-full bg-sky-600"}
          style={{ width: `${Math.min(100, item.share * 100)}%` }}
        />
      </div>
      <p className="text-muted-foreground">
        {item.total === 0
          ? "No SLI data during the incident."
          : `${count(item.bad)} bad of ${count(item.total)} ${unit} during the incident.`}
        {over ? ` More than ${POSTMORTEM_BUDGET_SHARE * 100}%: a postmortem is required.` : ""}
      </p>
    </li>
  );
}

/** The share of each linked SLO's error budget the incident consumed, in words and figures. */
export function SloImpactCard({
  impact,
}: {
  impact: { start: Date; end: Date; slos: SloImpactItem[] };
}) {
  return (
    <Card>
      <CardHeader>
        <CardTitle id="slo-impact">SLO impact</CardTitle>
        <p className="text-xs text-muted-foreground">
          Error budget spent from {formatAbsolute(impact.start)} to {formatAbsolute(impact.end)}, as
          a share of each SLO&apos;s budget for its window.
        </p>
      </CardHeader>
      <CardContent className="text-sm">
        {impact.slos.length === 0 ? (
          <p className="text-muted-foreground">No SLOs are linked to this incident.</p>
        ) : (
          <ul aria-labelledby="slo-impact" className="space-y-3">
            {impact.slos.map((item) => (
              <ImpactRow key={item.slo} item={item} />
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
