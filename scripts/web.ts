// `npm run dev`'s web server: the same HTTP server the built app runs (scripts/lib/web-server.ts),
// on the checkout's sources.
import { serve } from "./lib/web-server";

await serve({
  role: "all",
  dev: process.argv.includes("--dev"),
  dir: process.cwd(),
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOSTNAME ?? "0.0.0.0",
});
