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
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):([^@/\s]+)@/gi, "$1$2:[redacted]@")
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
        // Messages and interpolated arguments are scrubbed before they are written.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === "string" ? scrub(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      serializers: {
        err: (e: unknown) => {
          const s = pino.stdSerializers.err(e as Error);
          return { ...s, message: scrub(s.message), stack: s.stack ? scrub(s.stack) : s.stack };
        },
      },
    },
    destination,
  );
}

const g = globalThis as unknown as { flightdeckLogger?: Logger };

/** The process's logger (one per process, whichever bundle asks first). */
export function log(): Logger {
  g.flightdeckLogger ??= createLogger();
  return g.flightdeckLogger;
}
