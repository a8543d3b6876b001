import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname, "src"),
  // `server-only` throws outside a React Server Components bundle; tests run server code directly.
  "server-only": path.resolve(import.meta.dirname, "tests/support/server-only.ts"),
};

export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core CI
    // machine. Unit and integration files share these workers (integration tests spend much of
    // their time waiting on PostgreSQL, so two of them keep both cores busy).
    maxWorkers: 2,
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts", "src/**/*.test.ts"],
          environment: "node",
          // A few simulate a day of the fleet (several seconds of CPU); they share the cores
          // with integration files now, so 5 s is too close.
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/integration-setup.ts"],
          // Each file gets its own copy of the seeded database, so files run in parallel.
          setupFiles: ["tests/support/database-per-file.ts"],
          // next-auth imports "next/server" without an extension, which Node's ESM loader
          // cannot resolve; let Vite resolve it instead.
          server: { deps: { inline: ["next-auth"] } },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          // Not part of `npm test`: `npm run bench` prints figures and asserts nothing.
          name: "bench",
          include: ["tests/bench/**/*.bench.ts"],
          environment: "node",
          globalSetup: ["tests/support/integration-setup.ts"],
          setupFiles: ["tests/support/database-per-file.ts"],
          server: { deps: { inline: ["next-auth"] } },
          // Timings: one file at a time, so benchmarks do not compete for the cores.
          fileParallelism: false,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
