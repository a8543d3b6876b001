/** "12.5 req/s", "1,204 req/s" */
export function rpsText(rps: number): string {
  return `${rps < 10 ? rps.toFixed(1) : Math.round(rps).toLocaleString("en-US")} req/s`;
}

/** "0.04%", "—" */
export function errorText(rate: number | null): string {
  if (rate === null) return "—";
  return `${(rate * 100).toFixed(rate < 0.001 ? 3 : 2)}%`;
}

export function msText(ms: number | null): string {
  return ms === null ? "—" : `${Math.round(ms).toLocaleString("en-US")} ms`;
}

export function pctText(share: number | null): string {
  return share === null ? "—" : `${Math.round(share * 100)}%`;
}

/** A capacity check's verdicts: "4 safe, 1 tight, 1 impossible" (the counts that are not 0). */
export function verdictCountsText(counts: {
  safe: number;
  tight: number;
  impossible: number;
}): string {
  const parts = (["safe", "tight", "impossible"] as const)
    .filter((v) => counts[v] > 0)
    .map((v) => `${counts[v]} ${v}`);
  return parts.length > 0 ? parts.join(", ") : "no model";
}
