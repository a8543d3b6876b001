import { createHmac, timingSafeEqual } from "node:crypto";

/** Attempts before a delivery is dead: with the backoff below, about 45 minutes of trying. */
export const MAX_ATTEMPTS = 12;
export const FIRST_RETRY_MS = 10_000;
export const MAX_RETRY_MS = 5 * 60_000;

/**
 * How long to wait after the given number of failed attempts (1 = the first failed): 10 s,
 * doubling, at most 5 minutes. A receiver down for ten minutes is tried again within five
 * minutes of its return.
 */
export function retryDelayMs(failedAttempts: number): number {
  const n = Number.isFinite(failedAttempts) ? Math.max(1, Math.floor(failedAttempts)) : 1;
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 20));
}

export type AttemptVerdict =
  | { kind: "delivered" }
  | { kind: "retry"; error: string; at: Date }
  | { kind: "dead"; error: string };

/**
 * What an attempt's outcome means. A 2xx is delivered. Timeouts, network errors, 408, 429 and
 * 5xx are tried again with backoff (429's Retry-After, when longer, wins), until the last
 * attempt. Any other 4xx is the receiver refusing the message (a revoked Slack webhook, a wrong
 * routing key): trying again cannot help, so it is dead at once, with the receiver's answer.
 */
export function judgeAttempt(input: {
  /** the HTTP status, or null when no answer came (timeout, connection refused) */
  status: number | null;
  /** the network error or the start of the receiver's answer */
  detail: string;
  /** attempts including this one */
  attempts: number;
  now: Date;
  retryAfterSeconds?: number | null;
}): AttemptVerdict {
  const { status, detail, attempts, now } = input;
  if (status !== null && status >= 200 && status < 300) return { kind: "delivered" };
  const error =
    status === null ? detail || "no answer" : `HTTP ${status}${detail ? `: ${detail}` : ""}`;
  const transient = status === null || status === 408 || status === 429 || status >= 500;
  if (!transient) return { kind: "dead", error: `refused by the receiver (${error})` };
  if (attempts >= MAX_ATTEMPTS) {
    return { kind: "dead", error: `gave up after ${attempts} attempts (last: ${error})` };
  }
  const wait = Math.max(
    retryDelayMs(attempts),
    Math.min(3_600, input.retryAfterSeconds ?? 0) * 1000,
  );
  return { kind: "retry", error, at: new Date(now.getTime() + wait) };
}

/** The signature header of Flightdeck's webhooks. */
export const SIGNATURE_HEADER = "X-Flightdeck-Signature";
/** How old a signed timestamp a receiver should accept (replays older than this are refused). */
export const REPLAY_WINDOW_SECONDS = 300;

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the channel's secret>`: the
 * timestamp is signed with the body, so a captured request cannot be replayed after the window.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** What a receiver does with `X-Flightdeck-Signature` (documented; the tests' receiver uses it). */
export function verifyWebhookSignature(input: {
  header: string | null | undefined;
  secret: string;
  body: string;
  nowSeconds: number;
  windowSeconds?: number;
}): SignatureCheck {
  const parts = new Map<string, string[]>();
  for (const piece of (input.header ?? "").split(",")) {
    const eq = piece.indexOf("=");
    if (eq <= 0) continue;
    const key = piece.slice(0, eq).trim();
    parts.set(key, [...(parts.get(key) ?? []), piece.slice(eq + 1).trim()]);
  }
  const t = Number(parts.get("t")?.[0]);
  if (!Number.isInteger(t)) return { ok: false, reason: "no timestamp in the signature" };
  const window = input.windowSeconds ?? REPLAY_WINDOW_SECONDS;
  if (Math.abs(input.nowSeconds - t) > window) {
    return { ok: false, reason: `timestamp outside the ${window} s replay window` };
  }
  const expected = createHmac("sha256", input.secret).update(`${t}.${input.body}`).digest("hex");
  const given = parts.get("v1") ?? [];
  return given.some((v) => hexEqual(v, expected))
    ? { ok: true }
    : { ok: false, reason: "signature does not match" };
}

/**
 * PagerDuty's webhook signature (`X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>`,
 * several comma-separated while a secret rotates): true when one matches the secret.
 */
export function verifyPagerDutySignature(
  header: string | null | undefined,
  secret: string,
  body: string,
): boolean {
  const expected = createHmac("sha256", secret).update(body).digest("hex");
  return (header ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("v1="))
    .some((s) => hexEqual(s.slice(3), expected));
}
