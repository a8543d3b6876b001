// Input fuzzing: malformed payloads to every /api/v1 route, the Alertmanager webhook, OpenSLO
// import, fleet config apply and every server action, against the built app as production
// runs it, signed in as an admin (and with an API token holding every scope) so payloads reach
// validation. Passes when no payload gets a 5xx or breaks the connection, none is accepted,
// every refusal names the offending field, and not one row in the database changed.
//
// Server actions are called over HTTP as the browser calls them (POST with `Next-Action`),
// not in-process: that exercises Next.js's decoding of the arguments, our session and origin
// handling and the real build, which an in-process call of the zod schema would skip.
//
// FUZZ_SEED reproduces a run (the seed is printed); FUZZ_PAYLOADS overrides the count.
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import type { Scenario } from "../scenario";
import { appDirectory, createApiToken, signIn, startApp, startDatabase } from "../support/app";
import { fuzzApp } from "../fuzz/run-fuzz";

const FULL = 10_000;
const SHORT = 1_000;

const scenario: Scenario = {
  name: "fuzz",
  order: 60,
  async run(context) {
    const seed = Number(process.env.FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
    const total = Number(process.env.FUZZ_PAYLOADS) || (context.short ? SHORT : FULL);
    context.log(`seed ${seed} (FUZZ_SEED=${seed} repeats this run)`);
    const started = Date.now();
    const database = await startDatabase();
    context.log(`database ready in ${Date.now() - started} ms`);
    const app = await startApp("web", { databaseUrl: database.url, port: context.port() });
    context.log(`web process ready at ${app.url} after ${Date.now() - started} ms`);
    try {
      const cookie = await signIn(app.url, "admin@flightdeck.demo");
      const token = await createApiToken(database.url, {
        email: "admin@flightdeck.demo",
        scopes: [...TOKEN_SCOPES],
        name: "fuzz",
      });
      const report = await fuzzApp({
        baseUrl: app.url,
        databaseUrl: database.url,
        cookie,
        token,
        standaloneDir: appDirectory(),
        total,
        seed,
        concurrency: 4,
        log: context.log,
      });
      // Errors the app logged while refusing: each is a request that failed inside, whatever
      // status it answered.
      const logged = app
        .output()
        .split("\n")
        .filter((l) => /⨯|"level":50|"level":60/.test(l));
      const failures = [...report.failures];
      if (app.exited()) failures.push("the web process exited during the run");
      return {
        name: scenario.name,
        figures: {
          ...report.figures,
          "errors logged": logged.length,
          seconds: Math.round((Date.now() - started) / 1000),
        },
        failures:
          logged.length > 0
            ? [...failures, `the app logged: ${logged.slice(0, 3).join(" | ").slice(0, 600)}`]
            : failures,
      };
    } catch (error) {
      // Say whether the app died under the payloads, and what it printed last.
      const state = app.exited() ? "the web process had exited" : "the web process was running";
      throw new Error(
        `${error instanceof Error ? error.message : String(error)} (${state}); its last output:\n${app.output().slice(-3000)}`,
      );
    } finally {
      await app.kill();
      await database.stop();
    }
  },
};

export default scenario;
