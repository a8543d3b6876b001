/** A region's share of a model's traffic as a bar with its number (reads without colour). */
export function ShareBar({ share, label }: { share: number; label: string }) {
  const pct = Math.round(share * 100);
  return (
    <div className="flex items-center gap-2" title={label}>
      <div
        className="h-2 w-20 overflow-hidden rounded bg-muted"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div className="h-full bg-primary" style={{ width: `${pct}%` }} />
      </div>
      <span className="tabular-nums">{pct}%</span>
    </div>
  );
}
