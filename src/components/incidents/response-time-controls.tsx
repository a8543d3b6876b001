import Link from "next/link";
import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";
import { cn } from "@/lib/utils";
import type { ResponseGrouping } from "@/lib/schemas/incident-metrics";

type Params = Record<string, string | undefined>;

/** The current URL with some choices changed, so every link keeps the list's own filters. */
function hrefWith(basePath: string, params: Params, changes: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, ...changes })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${basePath}?${s}` : basePath;
}

function Choice({
  label,
  options,
}: {
  label: string;
  options: { label: string; href: string; current: boolean }[];
}) {
  return (
    <div role="group" aria-label={label} className="inline-flex overflow-hidden rounded-md border">
      {options.map((o) => (
        <Link
          key={o.label}
          href={o.href}
          aria-current={o.current ? "true" : undefined}
          className={cn(
            "border-l px-3 py-1.5 text-xs font-medium first:border-l-0",
            o.current
              ? "bg-primary text-primary-foreground"
              : "bg-background hover:bg-accent hover:text-accent-foreground",
          )}
        >
          {o.label}
        </Link>
      ))}
    </div>
  );
}

/**
 * Period, grouping and team of the response times, as links and a GET form: the choices live in
 * the URL (shareable), and nothing here is a button that changes anything.
 */
export function ResponseTimeControls({
  basePath,
  params,
  period,
  by,
  team,
  teams,
}: {
  basePath: string;
  params: Params;
  period: "week" | "month";
  by: ResponseGrouping;
  team: string | null;
  teams: { slug: string; name: string }[];
}) {
  const link = (changes: Params) => hrefWith(basePath, params, changes);
  const keep = Object.entries(params).filter(([k, v]) => v && k !== "team");
  return (
    <div className="flex flex-wrap items-end gap-2 print:hidden">
      <Choice
        label="Period"
        options={[
          { label: "Weekly", href: link({ period: "week" }), current: period === "week" },
          { label: "Monthly", href: link({ period: "month" }), current: period === "month" },
        ]}
      />
      <Choice
        label="Group by"
        options={[
          { label: "By severity", href: link({ by: "severity" }), current: by === "severity" },
          { label: "By team", href: link({ by: "team" }), current: by === "team" },
        ]}
      />
      <form
        method="get"
        action={basePath}
        className="flex items-end gap-2"
        aria-label="Choose a team"
      >
        {keep.map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        <label className="sr-only" htmlFor="response-team">
          Team
        </label>
        <NativeSelect id="response-team" name="team" defaultValue={team ?? ""} className="h-8">
          <option value="">All teams</option>
          {teams.map((t) => (
            <option key={t.slug} value={t.slug}>
              {t.name}
            </option>
          ))}
        </NativeSelect>
        <Button type="submit" size="sm" variant="outline">
          Filter
        </Button>
      </form>
    </div>
  );
}
