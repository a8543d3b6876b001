import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/** The one-way dependency rule of docs/architecture.md: each zone lists what `target` may not import. */
const layer = (target, from, message) => ({ target, from, message });

/** The server's bounded contexts: each folder holds the use cases (services) of one part of the product. */
const CONTEXTS = [
  "access",
  "fleet",
  "training",
  "models",
  "rollouts",
  "promotions",
  "slos",
  "incidents",
  "config",
  "notifications",
  "navigation",
  "traffic",
  "capacity",
];
const contextFolders = CONTEXTS.map((c) => `./src/server/${c}`);
const architectureZones = [
  layer(
    "./src/lib/domain",
    [
      "./src/app",
      "./src/actions",
      "./src/server",
      "./src/components",
      "./src/lib/platform",
      "./src/lib/schemas",
      "./src/generated",
    ],
    "lib/domain is pure: it may import nothing of ours but itself (and zod).",
  ),
  layer(
    "./src/lib/platform",
    ["./src/app", "./src/actions", "./src/server", "./src/components", "./src/generated"],
    "lib/platform may import only domain types.",
  ),
  // Schemas validate with the domain's own lists (roles, severities, statuses), so they may read
  // lib/domain; the domain never imports schemas, so the two cannot form a cycle.
  layer(
    "./src/lib/schemas",
    [
      "./src/app",
      "./src/actions",
      "./src/server",
      "./src/components",
      "./src/lib/platform",
      "./src/generated",
    ],
    "lib/schemas may import only lib/domain (pure constants and types) and zod.",
  ),
  layer(
    "./src/components/ui",
    [
      "./src/app",
      "./src/actions",
      "./src/server",
      "./src/lib/domain",
      "./src/lib/platform",
      "./src/lib/schemas",
      "./src/generated",
    ],
    "components/ui are design-system primitives: they may import only lib/utils.",
  ),
  // Any feature component folder, present or future, is off limits to the primitives.
  {
    target: "./src/components/ui",
    from: "./src/components",
    except: ["./ui"],
    message: "components/ui are design-system primitives: they may not import feature components.",
  },
  layer(
    "./src/components",
    ["./src/app", "./src/actions", "./src/server", "./src/lib/platform", "./src/generated"],
    "Feature components take data and actions as props; they may import ui, lib/domain and lib/schemas.",
  ),
  layer(
    "./src/actions",
    [
      "./src/app",
      "./src/components",
      "./src/server/db",
      "./src/server/worker",
      "./src/lib/platform",
      "./src/generated",
    ],
    "Actions are thin: session, validation, one service call.",
  ),
  ...contextFolders.map((folder) =>
    layer(
      folder,
      ["./src/app", "./src/actions", "./src/components", "./src/server/worker", "./src/generated"],
      "Services may import domain, db, platform, auth and other contexts' services, never the UI or the generated client.",
    ),
  ),
  layer(
    "./src/server/db",
    [
      "./src/app",
      "./src/actions",
      "./src/components",
      ...contextFolders,
      "./src/server/auth",
      "./src/server/worker",
      "./src/lib/platform",
    ],
    "server/db holds the Prisma client and repositories, with no business rules.",
  ),
  layer(
    "./src/server/auth",
    ["./src/app", "./src/actions", "./src/components", ...contextFolders, "./src/server/worker"],
    "server/auth may import only db.",
  ),
  layer(
    "./src/server/worker",
    ["./src/app", "./src/actions", "./src/components"],
    "The worker uses services, never the UI.",
  ),
  layer(
    "./src/app",
    ["./src/server/db", "./src/server/worker", "./src/generated"],
    "Routes call actions and services; they never touch the database directly.",
  ),
];

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    settings: { "import/resolver": { typescript: { project: "./tsconfig.json" }, node: true } },
    rules: {
      "import/no-restricted-paths": ["error", { zones: architectureZones }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  globalIgnores([
    ".next/**",
    "node_modules/**",
    ".flightdeck/**",
    "src/generated/**",
    "test-results/**",
    "playwright-report/**",
    "next-env.d.ts",
  ]),
]);
