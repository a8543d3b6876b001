"use client";

import { Suspense, lazy, useSyncExternalStore, type ComponentType } from "react";

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

/** Nothing to subscribe to: the snapshot differs only between the server and the browser. */
const subscribe = () => () => {};

/**
 * A chart that renders only in the browser, after hydration (the server and the first render
 * show the placeholder), its code fetched then. React's own lazy and Suspense, not next/dynamic,
 * whose loader would add to every chart page's first load.
 */
function lazyChart<P extends object>(
  load: () => Promise<ComponentType<P>>,
  className: string,
): ComponentType<P> {
  const Chart = lazy(() => load().then((component) => ({ default: component })));
  function LazyChart(props: P) {
    const browser = useSyncExternalStore(
      subscribe,
      () => true,
      () => false,
    );
    const placeholder = <ChartLoading className={className} />;
    return browser ? (
      <Suspense fallback={placeholder}>
        <Chart {...props} />
      </Suspense>
    ) : (
      placeholder
    );
  }
  return LazyChart;
}

export const ComparisonChart = lazyChart(
  () => import("@/components/rollouts/comparison-chart").then((m) => m.ComparisonChart),
  "h-[15.5rem]",
);

export const BurnDownChart = lazyChart(
  () => import("@/components/slos/slo-charts").then((m) => m.BurnDownChart),
  "h-[17.5rem]",
);

export const BurnRateChart = lazyChart(
  () => import("@/components/slos/slo-charts").then((m) => m.BurnRateChart),
  "h-[17.5rem]",
);

// MTTA and MTTR side by side on wide screens, one above the other on narrow ones and on paper.
export const ResponseTimeChart = lazyChart(
  () => import("@/components/incidents/response-time-chart").then((m) => m.ResponseTimeChart),
  "h-[34rem] lg:h-[17.5rem]",
);
