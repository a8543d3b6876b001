// The contract between `npm run reliability`'s runner and its scenarios. Each scenario module in
// tests/reliability/scenarios/ default-exports a Scenario; the runner runs them one after the
// other (by `order`), prints one table of their results, and fails when any scenario lost
// something or broke a bound it states.

export interface ScenarioContext {
  /** The short version run by `npm test`: the same checks on fewer kills, steps and payloads. */
  short: boolean;
  /** A line of progress, printed as the scenario runs. */
  log: (line: string) => void;
  /** A free TCP port for the scenario's own use (app processes, fake servers), never reused. */
  port: () => number;
}

export interface ScenarioResult {
  /** The scenario's name as docs/reliability.md lists it. */
  name: string;
  /** What was done and measured, in the order to print: "kills" → 50, "p95 ms" → 412. */
  figures: Record<string, string | number>;
  /**
   * What the scenario lost or broke: double-applied steps, lost commands, 5xx answers, rows a
   * refused payload changed… Empty when everything held; any entry fails the run.
   */
  failures: string[];
}

export interface Scenario {
  name: string;
  /** Runs in ascending order. */
  order: number;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}
