// Sends payloads to the running app and judges each answer: no 5xx, no crash, a refusal where
// the payload is invalid, and a refusal that names the offending field.
import type { Payload } from "./catalog";

export interface Credentials {
  /** Cookie header of a signed-in admin */
  cookie: string;
  /** an API token holding every scope */
  token: string;
}

export type Verdict =
  | "refused" // a 4xx (or an action's ok: false) that names the field
  | "unnamed" // refused, but the answer does not say which field
  | "accepted" // a 2xx for an invalid payload: a bug (and maybe rows changed)
  | "tolerated" // a read that ignored a malformed filter (2xx), as documented
  | "server-error" // 5xx, an action's INTERNAL, or an error digest
  | "unauthenticated" // 401/403: the payload never reached validation
  | "crash"; // no answer: connection reset, timeout

export interface Outcome {
  payload: Payload;
  status: number;
  verdict: Verdict;
  /** error code or action outcome, e.g. INVALID_INPUT, NOT_FOUND */
  code: string;
  /** the payload reached the app's validation (not refused for credentials first) */
  validated: boolean;
  excerpt: string;
}

interface ErrorBody {
  code?: string;
  message?: string;
  fields?: Record<string, string>;
}

/** "models.0.name" as the fleet configuration's messages write it: "models[0].name". */
const bracketed = (field: string) => field.replace(/\.(\d+)(?=\.|$)/g, "[$1]");

function names(error: ErrorBody, payload: Payload): boolean {
  const { fields: expected, words } = payload.expect;
  if (payload.expect.anyReason) return true;
  // A NUL character in any string is refused first, by its own path: that names a field too.
  if (
    /\\u0000|\u0000|%00/i.test(`${payload.url} ${payload.body ?? ""}`) &&
    Object.values(error.fields ?? {}).some((m) => m.startsWith("Contains a NUL character"))
  )
    return true;
  const reported = Object.keys(error.fields ?? {});
  const related = (a: string, b: string) =>
    a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
  if (expected.some((f) => reported.some((r) => related(r, f)))) return true;
  const message = error.message ?? "";
  // The whole body is wrong ("_"): the message must say so.
  if (expected.includes("_") && /body|file|document|JSON|YAML|mapping|expected/i.test(message))
    return true;
  if (expected.some((f) => f !== "_" && message.includes(bracketed(f)))) return true;
  // The YAML reader's own problems ("body:1:8032: …") name the line and column.
  if (/^(body|YAML|flightdeck\.yaml):\d+:\d+: /.test(message)) return true;
  const lower = message.toLowerCase();
  return words.some((w) => w.length > 0 && lower.includes(w.toLowerCase()));
}

/** Statuses Node.js's HTTP parser answers itself, before any of the app runs. */
const TRANSPORT_LIMITS = new Set([413, 414, 431]);

/** Reads a server action's answer: the RSC row holding its return value. */
function actionResult(text: string): { digest: boolean; result: unknown } {
  for (const line of text.split("\n")) {
    const m = /^1:(E?)(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "E") return { digest: true, result: null };
    try {
      return { digest: false, result: JSON.parse(m[2] ?? "") as unknown };
    } catch {
      return { digest: false, result: null };
    }
  }
  return { digest: false, result: null };
}

export async function send(
  baseUrl: string,
  payload: Payload,
  credentials: Credentials,
  timeoutMs = 30_000,
): Promise<Outcome> {
  const headers: Record<string, string> = { ...payload.headers };
  if (payload.auth === "token") headers.Authorization = `Bearer ${credentials.token}`;
  else {
    headers.Cookie = credentials.cookie;
    headers.Origin = baseUrl;
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${baseUrl}${payload.url}`, {
      method: payload.method,
      headers,
      body: payload.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (error) {
    return {
      payload,
      status: 0,
      verdict: "crash",
      code: "NO_ANSWER",
      validated: false,
      excerpt: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  const excerpt = text.slice(0, 300);
  const outcome = (verdict: Verdict, code: string, validated = true): Outcome => ({
    payload,
    status: res.status,
    verdict,
    code,
    validated,
    excerpt,
  });
  if (res.status >= 500) return outcome("server-error", `HTTP ${res.status}`);
  if (res.status === 401 || res.status === 403)
    return outcome("unauthenticated", `HTTP ${res.status}`, false);

  // An oversized request line or body refused by the HTTP server: a 4xx about size, not a field.
  if (TRANSPORT_LIMITS.has(res.status) && !text.startsWith("{"))
    return outcome("refused", `HTTP ${res.status}`, false);

  if (payload.action) {
    if (res.status >= 400) {
      // Next.js itself refused the call (e.g. an unknown action id); nothing of ours ran.
      return outcome(
        names({ message: text }, payload) ? "refused" : "unnamed",
        `HTTP ${res.status}`,
      );
    }
    const { digest, result } = actionResult(text);
    if (digest) return outcome("server-error", "ERROR_DIGEST");
    const r = result as { ok?: boolean; error?: ErrorBody } | null;
    if (!r || typeof r.ok !== "boolean") return outcome("server-error", "NO_RESULT");
    // A payload valid but for a NUL the action never stored (deleting what does not exist)
    // may succeed; the row fingerprint says whether anything changed.
    if (r.ok) return outcome(payload.expect.anyReason ? "tolerated" : "accepted", "OK");
    const code = r.error?.code ?? "?";
    if (code === "INTERNAL") return outcome("server-error", code);
    if (code === "UNAUTHENTICATED" || code === "FORBIDDEN")
      return outcome("unauthenticated", code, false);
    return outcome(names(r.error ?? {}, payload) ? "refused" : "unnamed", code);
  }

  if (res.status < 400) {
    return outcome(payload.expect.refuse ? "accepted" : "tolerated", `HTTP ${res.status}`);
  }
  // A read whose malformed filter matched nothing.
  if (!payload.expect.refuse && res.status === 404) return outcome("tolerated", "NOT_FOUND");
  let error: ErrorBody = {};
  try {
    error = ((JSON.parse(text) as { error?: ErrorBody }).error ?? {}) as ErrorBody;
  } catch {
    error = { message: text };
  }
  // Too large: the body as a whole is what is wrong, and the message gives the cap.
  const named = error.code === "TOO_LARGE" || names(error, payload);
  return outcome(named ? "refused" : "unnamed", error.code ?? `HTTP ${res.status}`);
}

/** Sends every payload with `concurrency` requests in flight, in order of the list. */
export async function sendAll(
  baseUrl: string,
  payloads: Payload[],
  credentials: Credentials,
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(payloads.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= payloads.length) return;
      outcomes[i] = await send(baseUrl, payloads[i]!, credentials);
      done++;
      if (done % 500 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}
