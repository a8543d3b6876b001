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
