import type { MetricChange } from "@/lib/domain/models/registry";

/** An eval metric's value as stored: 0.7512 stays 0.7512, 120000 reads 120,000. */
export function metricValue(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

/**
 * A signed change that reads without colour: "▲ +0.0123", "▼ −4", "= 0". The minus is the
 * typographic one so it is not mistaken for a dash.
 */
export function signed(delta: number, format: (x: number) => string = metricValue): string {
  if (delta === 0) return `= ${format(0)}`;
  return delta > 0 ? `▲ +${format(delta)}` : `▼ −${format(-delta)}`;
}

/** The relative change "+1.7%", or "" when there is none to give. */
export function relativeChange(relative: number | null): string {
  if (relative === null || relative === 0 || !Number.isFinite(relative)) return "";
  const pct = Math.abs(relative * 100);
  const text = pct >= 10 ? pct.toFixed(0) : pct.toFixed(1);
  return `${relative > 0 ? "+" : "−"}${text}%`;
}

export const CHANGE_WORD: Record<MetricChange, string> = {
  better: "better",
  worse: "worse",
  same: "same",
  changed: "changed",
  only_a: "only in A",
  only_b: "only in B",
};

/**
 * Digests and commits shortened for tables, the full value kept for the title and copying:
 * "ranker-xl@sha256:1a2b3c4d5e6f…", "sha256:1a2b3c4d5e6f…", a commit's first 12 characters.
 */
export function shortDigest(value: string): string {
  const image = /^(?:.*\/)?([^/@]+)@sha256:([0-9a-f]{64})$/.exec(value);
  if (image) return `${image[1]}@sha256:${image[2]?.slice(0, 12)}…`;
  const digest = /^sha256:([0-9a-f]{64})$/.exec(value);
  if (digest) return `sha256:${digest[1]?.slice(0, 12)}…`;
  if (/^[0-9a-f]{40}$/.test(value)) return `${value.slice(0, 12)}…`;
  return value;
}

/** "Dataset digest" → "dataset digest", keeping acronyms: "Artifact URI" → "artifact URI". */
export function lowerFirst(label: string): string {
  return label.charAt(0).toLowerCase() + label.slice(1);
}
