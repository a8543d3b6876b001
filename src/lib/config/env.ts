/**
 * Numeric settings from the environment. Unset or empty means the default (a ConfigMap key left
 * blank is "not set", not zero); anything else must be a number in range, or the process
 * refuses it with the setting's name instead of running with a nonsense value (a 0 ms tick).
 */
export function envNumber(
  name: string,
  fallback: number,
  range: { min: number; max: number; integer?: boolean },
  env: Record<string, string | undefined> = process.env,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  const whole = range.integer ?? true;
  if (!Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    throw new Error(`${name} must be a ${whole ? "whole " : ""}number, got "${raw}".`);
  }
  if (value < range.min || value > range.max) {
    throw new Error(`${name} must be from ${range.min} to ${range.max}, got ${value}.`);
  }
  return value;
}

/** A text setting: unset or blank is undefined. */
export function envText(
  name: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}
