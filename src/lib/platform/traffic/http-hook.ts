import { clock } from "@/lib/clock";
import {
  ConflictError,
  OutcomeUnknownError,
  PlatformError,
  TimeoutError,
  type AdapterHealth,
  type PartialResult,
  type RegionDials,
  type RegionDialsRef,
  type TrafficManager,
} from "../types";

/**
 * A real global load balancer behind a small HTTP hook (FLIGHTDECK_TRAFFIC_HOOK_URL): the
 * balancers of the field (AWS Global Accelerator, GCP, Cloudflare, F5, an Envoy control plane)
 * live outside Kubernetes and each has its own API, so a site runs a thin service that speaks
 * this protocol and calls its own. The README's "Global traffic hook" documents it:
 *
 * - `GET {url}/models` answers `{ "models": [{ "model", "dials": { region: 0..100 },
 *   "version", "demandRps"?: { region: requests/s } }] }`.
 * - `PUT {url}/models/{model}/dials` with `If-Match: "<version>"` and `{ "dials": {…} }`
 *   answers `{ "version" }`; a stale version answers 409 or 412 and changes nothing.
 * - Every request carries `Authorization: Bearer <FLIGHTDECK_TRAFFIC_HOOK_TOKEN>` when set.
 *
 * A timeout, a dropped connection or a 5xx on a PUT is an unknown outcome, never success: the
 * drain engine reads the dials back before it goes on.
 */
export interface HttpTrafficHookOptions {
  url: string;
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface WireModel {
  model?: unknown;
  dials?: unknown;
  version?: unknown;
  demandRps?: unknown;
}

function numbers(value: unknown, what: string): Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new PlatformError("traffic hook", `${what} must be an object of numbers`);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new PlatformError("traffic hook", `${what}.${k} must be a number`);
    }
    out[k] = v;
  }
  return out;
}

export class HttpTrafficHook implements TrafficManager {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpTrafficHookOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  private async call(
    operation: string,
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers = new Headers(init.headers);
    headers.set("accept", "application/json");
    if (this.options.token) headers.set("authorization", `Bearer ${this.options.token}`);
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        ...init,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (
        error instanceof Error &&
        (error.name === "TimeoutError" || error.name === "AbortError")
      ) {
        throw new TimeoutError(`traffic hook: ${operation}`, this.timeoutMs);
      }
      throw new OutcomeUnknownError(`traffic hook: ${operation}`, error);
    }
    const text = await response.text().catch(() => "");
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, body };
  }

  private static message(body: unknown): string {
    if (typeof body === "object" && body !== null && "message" in body) {
      return String((body as { message: unknown }).message).slice(0, 300);
    }
    return typeof body === "string" && body ? body.slice(0, 300) : "no reason given";
  }

  async dials(): Promise<PartialResult<RegionDials[]>> {
    const { status, body } = await this.call("read dials", "/models");
    if (status >= 500) throw new PlatformError("traffic hook", `answered ${status}`);
    if (status !== 200) {
      throw new PlatformError(
        "traffic hook",
        `answered ${status}: ${HttpTrafficHook.message(body)}`,
      );
    }
    const models = (body as { models?: unknown } | null)?.models;
    if (!Array.isArray(models)) {
      throw new PlatformError("traffic hook", 'GET /models must answer { "models": [...] }');
    }
    const data: RegionDials[] = [];
    const errors: PartialResult<RegionDials[]>["errors"] = [];
    for (const raw of models as WireModel[]) {
      try {
        if (typeof raw.model !== "string" || !raw.model) {
          throw new PlatformError("traffic hook", "an entry has no model name");
        }
        if (typeof raw.version !== "string" && typeof raw.version !== "number") {
          throw new PlatformError("traffic hook", `${raw.model} has no version`);
        }
        const dials = numbers(raw.dials, `${raw.model}.dials`);
        for (const [region, d] of Object.entries(dials)) {
          if (d < 0 || d > 100) {
            throw new PlatformError("traffic hook", `${raw.model}.dials.${region} is not 0 to 100`);
          }
        }
        data.push({
          model: raw.model,
          dials,
          resourceVersion: String(raw.version),
          ...(raw.demandRps === undefined
            ? {}
            : { demandRps: numbers(raw.demandRps, `${raw.model}.demandRps`) }),
        });
      } catch (error) {
        errors.push({
          source: "traffic hook",
          message: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { data, errors };
  }

  async setDials(ref: RegionDialsRef, dials: Record<string, number>) {
    const operation = `set dials of ${ref.model}`;
    for (const [region, d] of Object.entries(dials)) {
      if (typeof d !== "number" || !Number.isFinite(d) || d < 0 || d > 100) {
        throw new PlatformError("traffic hook", `${operation}: dial of ${region} must be 0 to 100`);
      }
    }
    const { status, body } = await this.call(
      operation,
      `/models/${encodeURIComponent(ref.model)}/dials`,
      {
        method: "PUT",
        headers: { "content-type": "application/json", "if-match": `"${ref.resourceVersion}"` },
        body: JSON.stringify({ dials }),
      },
    );
    if (status === 409 || status === 412) {
      const current =
        typeof body === "object" && body !== null && "version" in body
          ? String((body as { version: unknown }).version)
          : "unknown";
      throw new ConflictError(`traffic dials of ${ref.model}`, ref.resourceVersion, current);
    }
    if (status >= 500) throw new OutcomeUnknownError(`traffic hook: ${operation} (${status})`);
    if (status < 200 || status >= 300) {
      throw new PlatformError(
        "traffic hook",
        `${operation}: ${status} ${HttpTrafficHook.message(body)}`,
      );
    }
    const version = (body as { version?: unknown } | null)?.version;
    if (typeof version !== "string" && typeof version !== "number") {
      // It took the change but did not say its version: the caller reads it back.
      throw new OutcomeUnknownError(`traffic hook: ${operation} answered no version`);
    }
    return { resourceVersion: String(version) };
  }

  async health(): Promise<AdapterHealth> {
    try {
      const { data, errors } = await this.dials();
      return {
        adapter: "traffic hook",
        status: errors.length > 0 ? "degraded" : "ok",
        detail:
          errors.length > 0
            ? `${data.length} model${data.length === 1 ? "" : "s"}; ${errors[0]?.message ?? ""}`
            : `${data.length} model${data.length === 1 ? "" : "s"} on the global load balancer`,
        checkedAt: clock.now(),
      };
    } catch (error) {
      return {
        adapter: "traffic hook",
        status: "down",
        detail: error instanceof Error ? error.message : String(error),
        checkedAt: clock.now(),
      };
    }
  }
}
