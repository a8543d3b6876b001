// Structured logs: one JSON object per line on standard output (pino), at LOG_LEVEL (default
// info). Request lines carry the request id that the request's audit rows carry
// (x-request-id), so a log line and an audit row can be joined. Secrets never reach a line:
// credentials in known fields are replaced, and connection strings and bearer tokens are
// masked wherever they appear in a message or an error.
import pino, { type Logger } from "pino";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The paths pino replaces wherever they occur (one and two levels deep). */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "password",
  "passwordHash",
  "token",
  "secret",
  "clientSecret",
  "accessToken",
  "refreshToken",
  "idToken",
  "databaseUrl",
  "DATABASE_URL",
  "AUTH_SECRET",
  "OIDC_CLIENT_SECRET",
  "FLIGHTDECK_METRICS_TOKEN",
];

/** Masks secrets that arrive inside free text: URL credentials and bearer tokens. */
export function scrub(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):(\S*)@/gi, "$1$2:[redacted]@")
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]")
    .replace(/\bfdk_[A-Za-z0-9_-]{8,}/g, "fdk_[redacted]");
}

export function logLevel(value = process.env.LOG_LEVEL): (typeof LEVELS)[number] {
  const level = (value ?? "info").trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(level)
    ? (level as (typeof LEVELS)[number])
    : "info";
}

/** A logger writing to `destination` (standard output by default). */
export function createLogger(
  destination?: pino.DestinationStream,
  level: string = logLevel(),
): Logger {
  return pino(
    {
      level,
      base: { service: "flightdeck", role: process.env.FLIGHTDECK_ROLE ?? "all" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: SECRET_KEYS.flatMap((k) => [`["${k}"]`, `*["${k}"]`]),
        censor: "[redacted]",
      },
      hooks: {
        // Every argument, at any depth, is cleaned before it is written: secret-named fields
        // replaced, secrets inside text masked, errors' own properties included.
        logMethod(args, method) {
          method.apply(this, args.map((a) => clean(a, 0)) as Parameters<typeof method>);
        },
      },
      serializers: {
        // Errors arrive already cleaned into plain objects by the hook above; anything else
        // (an error logged through a child logger's bindings) is serialized and scrubbed here.
        err: (e: unknown) => {
          if (!(e instanceof Error)) return e;
          const s = pino.stdSerializers.err(e);
          return { ...s, message: scrub(s.message), stack: s.stack ? scrub(s.stack) : s.stack };
        },
      },
    },
    destination,
  );
}

/** Field names whose values are never logged, at any depth (compared without case). */
const SECRET_NAMES = new Set([...SECRET_KEYS, "connectionString"].map((k) => k.toLowerCase()));

/**
 * A copy of `value` that is safe to log: secret-named fields replaced and secrets inside text
 * masked at any depth (8 levels; deeper is elided), errors with their own properties. Other
 * class instances are passed through as they are (dates as ISO text).
 */
function clean(value: unknown, depth: number): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value.toISOString();
  if (depth > 8) return "[deep]";
  if (Array.isArray(value)) return value.map((v) => clean(v, depth + 1));
  const isError = value instanceof Error;
  if (!isError && Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  if (isError) {
    out.type = value.name;
    out.message = scrub(value.message);
    if (value.stack) out.stack = scrub(value.stack);
  }
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_NAMES.has(key.toLowerCase()) ? "[redacted]" : clean(v, depth + 1);
  }
  return out;
}

const g = globalThis as unknown as { flightdeckLogger?: Logger };

/** The process's logger (one per process, whichever bundle asks first). */
export function log(): Logger {
  g.flightdeckLogger ??= createLogger();
  return g.flightdeckLogger;
}
