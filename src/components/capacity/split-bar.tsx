import { SPLIT_KEYS, SPLIT_LABELS, type GpuSplit } from "@/lib/domain/capacity/split";
import { SPLIT_FILL, SplitPatterns, patternOf, Swatch } from "./split-colors";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (n: number, d: number) => (d > 0 ? `${Math.round((n / d) * 100)}%` : "0%");

/** The words a split reads as: "120 GPUs: 40 serving (33%), …" (its figure without the picture). */
export function splitText(split: GpuSplit): string {
  const parts = SPLIT_KEYS.filter((k) => k !== "other" || split.other > 0).map(
    (k) => `${fmt(split[k])} ${SPLIT_LABELS[k].toLowerCase()} (${pct(split[k], split.total)})`,
  );
  return `${fmt(split.total)} GPUs: ${parts.join(", ")}`;
}

/**
 * A pool's, a cluster's or the fleet's GPUs as one stacked SVG bar, drawn on the server: serving,
 * training, other, idle and unavailable, left to right. Its accessible name states every figure.
 */
export function SplitBar({
  id,
  split,
  label,
  width = 240,
  height = 12,
}: {
  /** unique on the page (the bar's patterns are named after it) */
  id: string;
  split: GpuSplit;
  label: string;
  width?: number;
  height?: number;
}) {
  let x = 0;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${label}: ${splitText(split)}`}
      className="max-w-full shrink-0"
      data-testid="split-bar"
    >
      <SplitPatterns id={id} />
      <rect
        x={0.5}
        y={0.5}
        width={width - 1}
        height={height - 1}
        className="fill-muted stroke-border"
      />
      {split.total > 0
        ? SPLIT_KEYS.map((k) => {
            const w = (split[k] / split.total) * width;
            const at = x;
            x += w;
            if (w <= 0) return null;
            const pattern = patternOf(id, k);
            return (
              <g key={k}>
                <rect x={at} y={0} width={w} height={height} className={SPLIT_FILL[k]}>
                  <title>{`${SPLIT_LABELS[k]}: ${fmt(split[k])} GPUs`}</title>
                </rect>
                {pattern ? <rect x={at} y={0} width={w} height={height} fill={pattern} /> : null}
              </g>
            );
          })
        : null}
    </svg>
  );
}

/** The legend of the split's states, with the fleet's figures beside each. */
export function SplitLegend({ id, split }: { id: string; split?: GpuSplit }) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Legend">
      {SPLIT_KEYS.map((k) =>
        k === "other" && split && split.other === 0 ? null : (
          <li key={k} className="flex items-center gap-1.5">
            <Swatch kind={k} id={id} />
            <span>{SPLIT_LABELS[k]}</span>
            {split ? (
              <span className="tabular-nums text-muted-foreground">
                {fmt(split[k])} ({pct(split[k], split.total)})
              </span>
            ) : null}
          </li>
        ),
      )}
    </ul>
  );
}
