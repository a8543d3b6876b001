/** FNV-1a: a stable 32-bit hash, so behaviour derived from names is identical everywhere. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic number in [0, 1) for a key. FNV-1a's high bits barely depend on the last
 * characters, so keys differing only at the end ("node-1", "node-2") are mixed with
 * MurmurHash3's finalizer first.
 */
export function unit(key: string): number {
  let h = hash32(key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return sign * y;
}

export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/** z-scores of the latency quantiles Flightdeck reports. */
export const Z = { p50: 0, p90: 1.2815516, p99: 2.3263479 } as const;

/** Latency distribution: log-normal with a median (ms) and a shape `sigma`. */
export interface LogNormal {
  medianMs: number;
  sigma: number;
}

export function quantileMs(d: LogNormal, z: number): number {
  return d.medianMs * Math.exp(d.sigma * z);
}

/** Share of requests faster than `ms`. */
export function shareBelow(d: LogNormal, ms: number): number {
  if (ms <= 0) return 0;
  return normalCdf(Math.log(ms / d.medianMs) / d.sigma);
}
