import "server-only";
import { QueryCompiler } from "@prisma/client/runtime/query_compiler_bg.postgresql.mjs";
import { prismaPlanCache } from "@/lib/telemetry/metrics";

/**
 * Reuses the query plans of repeated reads.
 *
 * Prisma 6's client (with the query compiler, which this project needs: see README,
 * "Development") compiles every query into a plan in WebAssembly on the event loop, even one it
 * compiled a moment ago: 0.3 to 1.5 ms a query, a fifth of the rollout engine's time with 500
 * rollouts in flight and of the pages' under load. Most reads repeat exactly (the engine loads
 * each rollout by its id every few seconds; a page's lists ask the same thing for everyone), and
 * compiling is a pure function of the request: the same request text gives the same plan, and a
 * plan holds the SQL and its parameters, never results. So the plans of reads are kept by their
 * request text, the most recent first.
 *
 * Only reads: a create's plan may carry values Prisma generates when it compiles (`cuid()`,
 * `now()` defaults), which must be new every time. Plans are frozen, so a runtime that changed
 * one would fail loudly in the tests rather than corrupt a later query. Prisma 7 caches plans
 * itself (by the query's shape, values apart); when the project can move to it, this goes.
 */
const READS = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "aggregate",
  "groupBy",
]);

/** Plans kept; each is a few kilobytes. */
export const PLAN_CACHE_SIZE = 2_000;
/** Longer requests (a long `in` list) rarely repeat: compiled every time, never kept. */
const MAX_REQUEST_CHARS = 8_000;

const ACTION = /"action":"(\w+)"/;

export function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  // a typed array with elements cannot be frozen (and plans hold none today)
  if (ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

/** Whether a request is a read whose plan may be kept. */
export function cacheableRequest(request: string): boolean {
  if (request.length > MAX_REQUEST_CHARS) return false;
  const action = ACTION.exec(request.slice(0, 200))?.[1];
  return action !== undefined && READS.has(action);
}

interface Patched {
  flightdeckPlanCache?: Map<string, unknown>;
}

/** Installs the cache on the query compiler the generated client uses; once per process. */
export function installPlanCache(): void {
  const proto = QueryCompiler.prototype as QueryCompiler & Patched;
  if (proto.flightdeckPlanCache) return;
  const plans = new Map<string, unknown>();
  proto.flightdeckPlanCache = plans;
  const compile = proto.compile;
  proto.compile = function cachedCompile(this: QueryCompiler, request: string): unknown {
    if (!cacheableRequest(request)) return compile.call(this, request);
    const kept = plans.get(request);
    if (kept !== undefined) {
      // most recently used last: the first key is the one to evict
      plans.delete(request);
      plans.set(request, kept);
      prismaPlanCache.inc({ outcome: "hit" });
      return kept;
    }
    const plan = compile.call(this, request);
    deepFreeze(plan);
    plans.set(request, plan);
    if (plans.size > PLAN_CACHE_SIZE) {
      const oldest = plans.keys().next().value;
      if (oldest !== undefined) plans.delete(oldest);
    }
    prismaPlanCache.inc({ outcome: "miss" });
    return plan;
  };
}

/** The plans kept now (tests). */
export function planCacheSize(): number {
  return (QueryCompiler.prototype as QueryCompiler & Patched).flightdeckPlanCache?.size ?? 0;
}
