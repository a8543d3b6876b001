import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(import.meta.dirname, "src"),
  // `server-only` throws outside a React Server Components bundle; tests run server code directly.
  "server-only": path.resolve(import.meta.dirname, "tests/support/server-only.ts"),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts", "src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/integration-setup.ts"],
          // next-auth imports "next/server" without an extension, which Node's ESM loader
          // cannot resolve; let Vite resolve it instead.
          server: { deps: { inline: ["next-auth"] } },
          // One PostgreSQL for the whole run; files share it, so run them one at a time.
          fileParallelism: false,
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
          server: { deps: { inline: ["next-auth"] } },
          fileParallelism: false,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
