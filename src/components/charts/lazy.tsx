"use client";

import dynamic from "next/dynamic";

/**
 * The charts, loaded after the page's first paint. Recharts and its d3 parts are about 100 kB
 * (gzip) of JavaScript that nothing else on a page needs, and a chart sized to its container
 * draws nothing before the browser has measured it anyway, so the server renders a placeholder
 * of the chart's height and the browser fetches the chart's code once the page is interactive.
 * A page's first-load budget (tests/e2e/budgets.spec.ts) counts what loads without them.
 */
function ChartLoading({ className }: { className: string }) {
  return (
    <div
      className={`${className} animate-pulse rounded-lg border bg-muted/40`}
      role="status"
      aria-label="Loading chart"
    />
  );
}

export const ComparisonChart = dynamic(
  () => import("@/components/rollouts/comparison-chart").then((m) => m.ComparisonChart),
  { ssr: false, loading: () => <ChartLoading className="h-[15.5rem]" /> },
);

export const BurnDownChart = dynamic(
  () => import("@/components/slos/slo-charts").then((m) => m.BurnDownChart),
  { ssr: false, loading: () => <ChartLoading className="h-[17.5rem]" /> },
);

export const BurnRateChart = dynamic(
  () => import("@/components/slos/slo-charts").then((m) => m.BurnRateChart),
  { ssr: false, loading: () => <ChartLoading className="h-[17.5rem]" /> },
);

export const ResponseTimeChart = dynamic(
  () => import("@/components/incidents/response-time-chart").then((m) => m.ResponseTimeChart),
  { ssr: false, loading: () => <ChartLoading className="h-[17rem]" /> },
);
