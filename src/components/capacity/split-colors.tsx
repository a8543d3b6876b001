import type { SplitKey } from "@/lib/domain/capacity/split";

/**
 * The five states' fills, each also told apart without colour: serving solid, training
 * striped, other dotted, idle empty with an outline, unavailable cross-hatched.
 */
export const SPLIT_FILL: Record<SplitKey, string> = {
  serving: "fill-sky-700 dark:fill-sky-400",
  training: "fill-violet-600 dark:fill-violet-400",
  other: "fill-amber-600 dark:fill-amber-400",
  idle: "fill-emerald-100 dark:fill-emerald-950",
  unavailable: "fill-red-200 dark:fill-red-950",
};

/** The patterns drawn over the fills; `id` makes them unique within the page. */
export function SplitPatterns({ id }: { id: string }) {
  return (
    <defs>
      <pattern id={`${id}-training`} width="4" height="4" patternUnits="userSpaceOnUse">
        <path d="M0 4 L4 0" className="stroke-white/70 dark:stroke-black/60" strokeWidth="1" />
      </pattern>
      <pattern id={`${id}-other`} width="4" height="4" patternUnits="userSpaceOnUse">
        <circle cx="2" cy="2" r="0.8" className="fill-white/80 dark:fill-black/60" />
      </pattern>
      <pattern id={`${id}-unavailable`} width="4" height="4" patternUnits="userSpaceOnUse">
        <path
          d="M0 4 L4 0 M0 0 L4 4"
          className="stroke-red-700 dark:stroke-red-400"
          strokeWidth="0.8"
        />
      </pattern>
    </defs>
  );
}

/** The pattern over a state's fill, or none. */
export function patternOf(id: string, key: SplitKey): string | null {
  return key === "training" || key === "other" || key === "unavailable"
    ? `url(#${id}-${key})`
    : null;
}

/** A legend swatch drawn as the chart draws the state. */
export function Swatch({ kind, id }: { kind: SplitKey; id: string }) {
  const pattern = patternOf(id, kind);
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" className="shrink-0">
      <SplitPatterns id={`${id}-swatch-${kind}`} />
      <rect
        x="0.5"
        y="0.5"
        width="11"
        height="11"
        className={`${SPLIT_FILL[kind]} stroke-border`}
      />
      {pattern ? (
        <rect x="0.5" y="0.5" width="11" height="11" fill={`url(#${id}-swatch-${kind}-${kind})`} />
      ) : null}
    </svg>
  );
}
