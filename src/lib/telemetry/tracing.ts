// OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set (OTLP over HTTP/JSON;
// the exporter reads the standard OTEL_* variables, e.g. OTEL_EXPORTER_OTLP_HEADERS). Unset, no
// SDK is loaded and every span below is the API's no-op: nothing is recorded or sent. Next.js
// traces requests and renders itself once a tracer provider is registered; Flightdeck adds
// spans for the rollout engine's work.
import { SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";

export interface Tracing {
  flush: () => Promise<void>;
  shutdown: () => Promise<void>;
}

const g = globalThis as unknown as { flightdeckTracing?: Tracing | null };

/** Registers the global tracer provider when an OTLP endpoint is configured; once per process. */
export async function startTracing(
  env: Record<string, string | undefined> = process.env,
): Promise<Tracing | null> {
  if (g.flightdeckTracing !== undefined) return g.flightdeckTracing;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || env.OTEL_SDK_DISABLED === "true") {
    g.flightdeckTracing = null;
    return null;
  }
  const [{ context, propagation }, core, hooks, sdk, exporter, resources] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      "service.name": env.OTEL_SERVICE_NAME?.trim() || "flightdeck",
      "service.version": env.npm_package_version ?? "0.1.0",
      "flightdeck.role": env.FLIGHTDECK_ROLE ?? "all",
    }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new exporter.OTLPTraceExporter() })],
  });
  trace.setGlobalTracerProvider(provider);
  g.flightdeckTracing = {
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  return g.flightdeckTracing;
}

/** Runs `work` in a span (a no-op when tracing is off); a thrown error marks the span failed. */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
): Promise<T> {
  return trace.getTracer("flightdeck").startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
