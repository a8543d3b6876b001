import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
  CONFIG_API_VERSION,
  CONFIG_KIND,
  parseFleetConfig,
  type FleetConfig,
  type FleetState,
} from "@/lib/domain/config/schema";
import { diffFleet, planSummary, type Change } from "@/lib/domain/config/diff";
import { fleetDocument, formatPlan, freezesByName, planRecord } from "@/lib/domain/config/document";
import { GPU_TYPE_NAMES } from "@/lib/domain/config/names";
import { GPU_TYPES } from "@/lib/platform/types";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/rollouts/plan";
import { environmentPolicySchema, freezeWindowSchema } from "@/lib/schemas/promotions";

const NOW = new Date("2026-11-29T12:00:00Z");
const HEAD = { apiVersion: CONFIG_API_VERSION, kind: CONFIG_KIND };

function parse(doc: unknown): FleetConfig {
  const result = parseFleetConfig(doc);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

function errorsOf(doc: unknown): string[] {
  const result = parseFleetConfig(doc);
  if (result.ok) throw new Error("expected the file to be refused");
  return result.errors;
}

const EMPTY: FleetState = {
  teams: [],
  regions: [],
  environments: [],
  clusters: [],
  models: [],
  freezes: [],
  releaseWindows: [],
  notificationChannels: [],
};

/** A small fleet, as the database would read back. */
const FLEET: FleetState = {
  teams: [
    { slug: "ranking", name: "Search & Ranking" },
    { slug: "trust-safety", name: "Trust & Safety" },
  ],
  regions: [
    { code: "us-east-1", name: "US East (Virginia)" },
    { code: "eu-west-1", name: "EU West (Ireland)" },
  ],
  environments: [
    {
      name: "staging/us-east-1",
      tier: "staging",
      region: "us-east-1",
      requiredApprovals: 1,
      soakMinutes: 0,
      promotionsOnly: false,
    },
    {
      name: "production/us-east-1",
      tier: "production",
      region: "us-east-1",
      requiredApprovals: 2,
      soakMinutes: 60,
      promotionsOnly: true,
    },
  ],
  clusters: [
    {
      name: "eks-use1-serve-01",
      region: "us-east-1",
      provider: "eks",
      k8sVersion: "1.31.2",
      nodePools: [
        { name: "a100-pool", gpuType: "A100", gpusPerNode: 8, minNodes: 1, maxNodes: 12 },
        { name: "l4-pool", gpuType: "L4", gpusPerNode: 4, minNodes: 4, maxNodes: 18 },
      ],
    },
  ],
  models: [
    {
      name: "ranker-xl",
      displayName: "Ranker XL",
      task: "learning-to-rank",
      description: "Orders search results.",
      team: "ranking",
      budgetPolicy: "enforce",
      evalThresholds: [
        { metric: "ndcg@10", direction: "higher", bound: 0.69, maxRegression: 0.01 },
        { metric: "p99_latency_ms", direction: "lower", bound: 250 },
      ],
      resources: { gpu: 1, cpu: 12, memoryGi: 96 },
      rolloutPlan: {
        strategy: "canary",
        steps: [
          { kind: "set_weight", weight: 10 },
          { kind: "analysis", durationSec: 120, intervalSec: 30 },
          { kind: "set_weight", weight: 100 },
        ],
        thresholds: DEFAULT_THRESHOLDS,
      },
    },
    {
      name: "toxicity-filter",
      displayName: "Toxicity Filter",
      task: "classification",
      description: "",
      team: "trust-safety",
      budgetPolicy: "advisory",
      evalThresholds: [],
      resources: null,
      rolloutPlan: null,
    },
  ],
  freezes: [
    {
      name: "Year-end freeze",
      tier: "production",
      startsAt: new Date("2026-12-20T00:00:00Z"),
      endsAt: new Date("2027-01-05T00:00:00Z"),
      reason: "Holiday traffic peak: fixes only.",
    },
  ],
  releaseWindows: [
    {
      name: "Weekend freeze",
      kind: "freeze",
      tier: "production",
      timeZone: "Europe/Berlin",
      startDay: "Friday",
      startTime: "16:00",
      endDay: "Monday",
      endTime: "08:00",
      reason: "No production changes over the weekend.",
    },
  ],
  notificationChannels: [
    {
      name: "ranking-oncall",
      kind: "webhook",
      endpoint: "https://hooks.example.com/flightdeck",
      enabled: true,
      secretFromEnv: "RANKING_HOOK_SECRET",
      inboundSecretFromEnv: null,
      secret: { hint: "…cdef", digest: "d1" },
      inboundSecret: null,
      subscriptions: [
        { team: "ranking", model: null, environment: null, events: ["rollout.aborted"] },
      ],
    },
  ],
};

/** The exported file, through YAML and back: what a user would commit. */
function exported(state: FleetState): unknown {
  return YAML.parse(YAML.stringify(fleetDocument(state, NOW)));
}

const opsOf = (changes: Change[]) => changes.map((c) => `${c.op} ${c.kind} ${c.name}`);

describe("parseFleetConfig: the file's shape", () => {
  it("refuses an empty file, a list or a scalar with what the file needs", () => {
    expect(errorsOf(null)[0]).toMatch(/empty.*apiVersion: flightdeck.dev\/v1.*kind: FleetConfig/);
    expect(errorsOf(undefined)[0]).toMatch(/empty/);
    expect(errorsOf([])[0]).toMatch(/mapping.*not a list/);
    expect(errorsOf("teams")[0]).toMatch(/not a string/);
  });

  it("needs the apiVersion and kind, and names each that is wrong", () => {
    expect(errorsOf({})).toEqual([
      "apiVersion: apiVersion must be flightdeck.dev/v1.",
      "kind: kind must be FleetConfig.",
    ]);
    expect(errorsOf({ ...HEAD, apiVersion: "flightdeck.dev/v2" })).toEqual([
      "apiVersion: apiVersion must be flightdeck.dev/v1.",
    ]);
  });

  it("accepts a file with only apiVersion and kind: it manages nothing", () => {
    const config = parse(HEAD);
    const plan = diffFleet(FLEET, config, { prune: true, now: NOW });
    expect(plan).toMatchObject({ changes: [], problems: [] });
    expect(plan.result).toEqual(FLEET);
  });

  it("refuses unknown keys at any depth, naming the path", () => {
    expect(errorsOf({ ...HEAD, team: [] })).toEqual(['unknown field "team"']);
    expect(
      errorsOf({
        ...HEAD,
        models: [
          {
            name: "m",
            displayName: "M",
            task: "t",
            team: "ranking",
            owner: "x",
            rolloutPlan: { strategy: "canary", steps: [{ kind: "set_weight", weight: 5, x: 1 }] },
          },
        ],
      }),
    ).toEqual(['models[0]: unknown field "owner"']);
    expect(
      errorsOf({
        ...HEAD,
        clusters: [
          {
            name: "c1",
            region: "us-east-1",
            provider: "eks",
            nodePools: [
              {
                name: "p",
                gpuType: "H100",
                gpusPerNode: 8,
                minNodes: 1,
                maxNodes: 2,
                nodes: 3,
              },
            ],
          },
        ],
      }),
    ).toEqual(['clusters[0].nodePools[0]: unknown field "nodes"']);
    expect(
      errorsOf({
        ...HEAD,
        models: [
          {
            name: "m",
            displayName: "M",
            task: "t",
            team: "ranking",
            resources: { gpu: 1, cpu: 1, memoryGi: 1, disk: 2 },
          },
        ],
      }),
    ).toEqual(['models[0].resources: unknown field "disk"']);
  });

  it("refuses an object declared twice, pointing at both", () => {
    expect(
      errorsOf({
        ...HEAD,
        teams: [
          { slug: "ranking", name: "A" },
          { slug: "other", name: "B" },
          { slug: "ranking", name: "C" },
        ],
      }),
    ).toEqual(['teams[2].slug: "ranking" is declared twice (also at [0]): give each one entry.']);
    expect(
      errorsOf({
        ...HEAD,
        clusters: [
          {
            name: "c1",
            region: "us-east-1",
            provider: "eks",
            nodePools: [
              { name: "p", gpuType: "H100", gpusPerNode: 8, minNodes: 1, maxNodes: 2 },
              { name: "p", gpuType: "A100", gpusPerNode: 8, minNodes: 1, maxNodes: 2 },
            ],
          },
        ],
      }),
    ).toEqual([
      'clusters[0].nodePools[1].name: "p" is declared twice (also at [0]): give each one entry.',
    ]);
  });

  it("reads an environment's tier and region from its name, and refuses ones that disagree", () => {
    const config = parse({ ...HEAD, environments: [{ name: "production/eu-west-1" }] });
    expect(config.environments?.[0]).toMatchObject({ tier: "production", region: "eu-west-1" });
    expect(errorsOf({ ...HEAD, environments: [{ name: "prod-eu" }] })[0]).toMatch(
      /^environments\[0\]\.name: "prod-eu" is not <tier>\/<region>/,
    );
    expect(errorsOf({ ...HEAD, environments: [{ name: "canary/eu-west-1" }] })[0]).toMatch(
      /is not <tier>\/<region>/,
    );
    expect(
      errorsOf({
        ...HEAD,
        environments: [{ name: "staging/eu-west-1", tier: "production", region: "us-east-1" }],
      }),
    ).toEqual([
      "environments[0].tier: The name says staging, the tier says production.",
      "environments[0].region: The name says eu-west-1, the region says us-east-1.",
    ]);
  });

  it("uses the release policy form's rules for approvals and soak", () => {
    const errors = errorsOf({
      ...HEAD,
      environments: [
        { name: "production/us-east-1", requiredApprovals: 0 },
        { name: "staging/us-east-1", requiredApprovals: 1.5, soakMinutes: -1 },
        { name: "staging/eu-west-1", soakMinutes: 14 * 1440 + 1 },
        { name: "production/eu-west-1", requiredApprovals: "2" },
      ],
    });
    expect(errors).toEqual([
      "environments[0].requiredApprovals: At least one approval.",
      "environments[1].requiredApprovals: Approvals are whole numbers.",
      "environments[1].soakMinutes: Soak cannot be negative.",
      "environments[2].soakMinutes: At most 14 days of soak.",
      expect.stringMatching(/^environments\[3\]\.requiredApprovals: .*expected number/),
    ]);
    // The form coerces its text fields through the same rules.
    expect(
      environmentPolicySchema.safeParse({
        environment: "x",
        requiredApprovals: "6",
        soakMinutes: "0",
      }).error?.issues[0]?.message,
    ).toBe("At most 5 approvals.");
    expect(
      environmentPolicySchema.parse({
        environment: "x",
        requiredApprovals: "2",
        soakMinutes: "30",
      }),
    ).toMatchObject({ requiredApprovals: 2, soakMinutes: 30 });
  });

  it("uses the freeze form's rules, and its default of every tier", () => {
    const errors = errorsOf({
      ...HEAD,
      freezes: [
        {
          name: "Backwards",
          startsAt: "2026-12-10T00:00:00Z",
          endsAt: "2026-12-01T00:00:00Z",
          reason: "Because.",
        },
        {
          name: "Too long",
          startsAt: "2026-01-01T00:00:00Z",
          endsAt: "2026-06-01T00:00:00Z",
          reason: "Because.",
        },
        { name: "No", startsAt: "soon", endsAt: "2026-12-01T00:00:00Z", reason: "x" },
      ],
    });
    expect(errors).toEqual([
      "freezes[0].endsAt: The freeze must end after it starts.",
      "freezes[1].endsAt: A freeze lasts at most 90 days.",
      "freezes[2].name: Name the freeze (at least 3 characters).",
      "freezes[2].startsAt: Give a start time.",
      "freezes[2].reason: Say why (at least 5 characters).",
    ]);
    const config = parse({
      ...HEAD,
      freezes: [
        {
          name: "Launch week",
          startsAt: "2026-12-01T00:00:00Z",
          endsAt: "2026-12-08T00:00:00Z",
          reason: "Big launch.",
        },
      ],
    });
    expect(config.freezes?.[0]).toMatchObject({ tier: "all", startsAt: expect.any(Date) });
    // The release policy page's form reads the same schema.
    expect(freezeWindowSchema.safeParse({ name: "ab" }).success).toBe(false);
  });

  it("uses the rollout plan's rules for a saved plan, and its default thresholds", () => {
    const model = (rolloutPlan: unknown) => ({
      ...HEAD,
      models: [{ name: "m", displayName: "M", task: "t", team: "ranking", rolloutPlan }],
    });
    expect(
      errorsOf(
        model({
          strategy: "canary",
          steps: [
            { kind: "set_weight", weight: 50 },
            { kind: "set_weight", weight: 20 },
          ],
        }),
      ),
    ).toEqual([
      "models[0].rolloutPlan.steps[1].weight: Step 2 lowers the weight from 50% to 20%: weights must rise.",
    ]);
    expect(
      errorsOf(model({ strategy: "blue_green", steps: [{ kind: "set_weight", weight: 50 }] })),
    ).toEqual([
      "models[0].rolloutPlan.steps: A blue-green plan switches all traffic at once: its only weight is 100%.",
    ]);
    expect(errorsOf(model({ strategy: "canary", steps: [] }))).toEqual([
      "models[0].rolloutPlan.steps: A plan needs at least one step.",
    ]);
    const plan = parse(model({ strategy: "canary", steps: [{ kind: "set_weight", weight: 100 }] }))
      .models?.[0]?.rolloutPlan;
    expect(plan).toEqual({
      strategy: "canary",
      steps: [{ kind: "set_weight", weight: 100 }],
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(parse(model(null)).models?.[0]?.rolloutPlan).toBeNull();
  });

  it("uses the release settings' rules for eval thresholds and serving resources", () => {
    expect(
      errorsOf({
        ...HEAD,
        models: [
          {
            name: "m",
            displayName: "M",
            task: "t",
            team: "ranking",
            evalThresholds: [
              { metric: "auc", direction: "higher", bound: 0.9 },
              { metric: "auc", direction: "lower" },
            ],
            resources: { gpu: 17, cpu: 1, memoryGi: 1 },
          },
        ],
      }),
    ).toEqual([
      "models[0].evalThresholds[1].metric: auc has two thresholds; give each metric one.",
      expect.stringMatching(/^models\[0\]\.resources\.gpu: /),
    ]);
  });

  it("refuses malformed names with the field's path", () => {
    expect(
      errorsOf({
        ...HEAD,
        teams: [{ slug: "Ranking Team", name: "R" }],
        regions: [{ code: "US_EAST", name: "x" }],
        models: [{ name: "Ranker XL", displayName: "R", task: "t", team: "ranking" }],
        clusters: [{ name: "c", region: "us-east-1", provider: "eks", k8sVersion: "1.31 beta" }],
      }),
    ).toEqual([
      "teams[0].slug: Not a valid team slug (lower-case words joined by dashes).",
      "regions[0].code: Not a valid region code (for example us-east-1).",
      "clusters[0].k8sVersion: Not a valid Kubernetes version.",
      "models[0].name: Not a valid model name (lower-case letters, digits and dashes).",
    ]);
  });

  it("says which required fields are missing", () => {
    expect(
      errorsOf({ ...HEAD, models: [{ name: "m" }], regions: [{ code: "us-east-1" }] }),
    ).toEqual([
      "regions[0].name: required",
      "models[0].displayName: required",
      "models[0].task: required",
      "models[0].team: required",
    ]);
  });

  it("accepts the names real clusters have: kubeconfig contexts and label values", () => {
    const config = parse({
      ...HEAD,
      clusters: [
        {
          name: "arn:aws:eks:us-east-1:123456789012:cluster/prod-serving",
          region: "us-east-1",
          provider: "eks",
          nodePools: [
            { name: "GPU_nodes.a100", gpuType: "A100", gpusPerNode: 8, minNodes: 0, maxNodes: 4 },
          ],
        },
        { name: "gke_my-project_us-central1_prod", region: "us-central1", provider: "GKE" },
      ],
    });
    expect(config.clusters).toHaveLength(2);
    expect(
      errorsOf({
        ...HEAD,
        clusters: [{ name: "prod serving", region: "us-east-1", provider: "-eks" }],
      }),
    ).toEqual([
      "clusters[0].name: Not a valid cluster name (letters, digits and . _ : / @ + -).",
      "clusters[0].provider: Not a valid provider (e.g. eks, gke, aks).",
    ]);
  });

  it("knows the platform's GPU families", () => {
    expect([...GPU_TYPE_NAMES]).toEqual([...GPU_TYPES]);
  });
});

describe("diffFleet", () => {
  it("creates a whole fleet from an empty database, parents first", () => {
    const plan = diffFleet(EMPTY, parse(exported(FLEET)), {
      prune: false,
      now: NOW,
      secrets: new Map([["ranking-oncall", { secret: { hint: "…cdef", digest: "d1" } }]]),
    });
    expect(plan.problems).toEqual([]);
    expect(opsOf(plan.changes)).toEqual([
      "create team ranking",
      "create team trust-safety",
      "create region eu-west-1",
      "create region us-east-1",
      "create environment production/us-east-1",
      "create environment staging/us-east-1",
      "create cluster eks-use1-serve-01",
      "create model ranker-xl",
      "create model toxicity-filter",
      "create freeze Year-end freeze",
      "create window Weekend freeze",
      "create channel ranking-oncall",
    ]);
    const team = plan.changes[0];
    expect(team?.fields).toEqual([
      { field: "slug", before: null, after: "ranking" },
      { field: "name", before: null, after: "Search & Ranking" },
    ]);
    expect(plan.result).toEqual({
      ...FLEET,
      teams: expect.arrayContaining(FLEET.teams),
      regions: expect.arrayContaining(FLEET.regions),
      environments: expect.arrayContaining(FLEET.environments),
    });
  });

  it("is idempotent: applying the result again changes nothing", () => {
    const config = parse(exported(FLEET));
    const first = diffFleet(EMPTY, config, { prune: true, now: NOW });
    const second = diffFleet(first.result, config, { prune: true, now: NOW });
    expect(second).toMatchObject({ changes: [], problems: [] });
  });

  it("round-trips: the exported file, applied to the fleet it came from, changes nothing", () => {
    for (const prune of [false, true]) {
      const plan = diffFleet(FLEET, parse(exported(FLEET)), { prune, now: NOW });
      expect(plan).toMatchObject({ changes: [], problems: [] });
    }
  });

  it("ignores the order jsonb keeps keys in, and treats no thresholds as an empty list", () => {
    const ranker = FLEET.models[0];
    if (!ranker?.rolloutPlan) throw new Error("fixture");
    const reordered: FleetState = {
      ...FLEET,
      models: [
        {
          ...ranker,
          resources: { memoryGi: 96, gpu: 1, cpu: 12 },
          rolloutPlan: {
            thresholds: ranker.rolloutPlan.thresholds,
            steps: ranker.rolloutPlan.steps,
            strategy: "canary",
          },
        },
        ...FLEET.models.slice(1),
      ],
    };
    expect(
      diffFleet(reordered, parse(exported(FLEET)), { prune: false, now: NOW }).changes,
    ).toEqual([]);
  });

  it("updates only the fields that differ, with before and after", () => {
    const doc = exported(FLEET) as { environments: { name: string; soakMinutes: number }[] };
    const prod = doc.environments.find((e) => e.name === "production/us-east-1");
    if (!prod) throw new Error("fixture");
    prod.soakMinutes = 120;
    const plan = diffFleet(FLEET, parse(doc), { prune: false, now: NOW });
    expect(plan.changes).toEqual([
      {
        kind: "environment",
        name: "production/us-east-1",
        op: "update",
        fields: [{ field: "soakMinutes", before: 60, after: 120 }],
        after: { ...FLEET.environments[1], soakMinutes: 120 },
      },
    ]);
  });

  it("keeps the current value of a field the file leaves out; new objects take the defaults", () => {
    const plan = diffFleet(
      FLEET,
      parse({
        ...HEAD,
        environments: [
          { name: "production/us-east-1", requiredApprovals: 3 },
          { name: "production/eu-west-1" },
          { name: "staging/eu-west-1" },
        ],
        models: [
          {
            name: "ranker-xl",
            displayName: "Ranker XL",
            task: "learning-to-rank",
            team: "ranking",
          },
          { name: "new-model", displayName: "New", task: "embedding", team: "ranking" },
        ],
      }),
      { prune: false, now: NOW },
    );
    expect(plan.problems).toEqual([]);
    expect(opsOf(plan.changes)).toEqual([
      "update environment production/us-east-1",
      "create environment production/eu-west-1",
      "create environment staging/eu-west-1",
      "create model new-model",
    ]);
    expect(plan.changes[0]?.fields).toEqual([{ field: "requiredApprovals", before: 2, after: 3 }]);
    expect(plan.changes[1]?.after).toEqual({
      name: "production/eu-west-1",
      tier: "production",
      region: "eu-west-1",
      requiredApprovals: 1,
      soakMinutes: 0,
      promotionsOnly: true,
    });
    expect(plan.changes[2]?.after).toMatchObject({ promotionsOnly: false });
    expect(plan.changes[3]?.after).toEqual({
      name: "new-model",
      displayName: "New",
      task: "embedding",
      description: "",
      team: "ranking",
      budgetPolicy: "enforce",
      evalThresholds: [],
      resources: null,
      rolloutPlan: null,
    });
  });

  it("clears a model's resources and saved plan when the file says null", () => {
    const plan = diffFleet(
      FLEET,
      parse({
        ...HEAD,
        models: [
          {
            name: "ranker-xl",
            displayName: "Ranker XL",
            task: "learning-to-rank",
            team: "ranking",
            resources: null,
            rolloutPlan: null,
          },
        ],
      }),
      { prune: false, now: NOW },
    );
    expect(plan.changes[0]?.fields.map((f) => [f.field, f.after])).toEqual([
      ["resources", null],
      ["rolloutPlan", null],
    ]);
  });

  it("does not delete what a file leaves out unless pruning", () => {
    const config = parse({ ...HEAD, models: [] });
    expect(diffFleet(FLEET, config, { prune: false, now: NOW }).changes).toEqual([]);
    const pruned = diffFleet(FLEET, config, { prune: true, now: NOW });
    expect(opsOf(pruned.changes)).toEqual([
      "delete model ranker-xl",
      "delete model toxicity-filter",
    ]);
    expect(pruned.changes[1]?.fields[0]).toEqual({
      field: "name",
      before: "toxicity-filter",
      after: null,
    });
    // `prune: true` in the file means the same as the flag.
    expect(
      diffFleet(FLEET, parse({ ...HEAD, prune: true, models: [] }), { prune: false, now: NOW })
        .changes,
    ).toHaveLength(2);
  });

  it("prunes only the sections the file declares", () => {
    const plan = diffFleet(FLEET, parse({ ...HEAD, teams: FLEET.teams, freezes: [] }), {
      prune: true,
      now: NOW,
    });
    expect(opsOf(plan.changes)).toEqual(["delete freeze Year-end freeze"]);
  });

  it("treats a rename as a delete and a create (the delete only when pruning)", () => {
    const doc = exported(FLEET) as { teams: { slug: string; name: string }[] };
    doc.teams = doc.teams.map((t) => (t.slug === "trust-safety" ? { ...t, slug: "safety" } : t));
    const config = parse(doc);
    expect(opsOf(diffFleet(FLEET, config, { prune: false, now: NOW }).changes)).toEqual([
      "create team safety",
    ]);
    const pruned = diffFleet(FLEET, config, { prune: true, now: NOW });
    expect(opsOf(pruned.changes)).toEqual(["create team safety", "delete team trust-safety"]);
    // The model still names the old team: the delete is refused, with the reason.
    expect(pruned.problems).toEqual([
      "Team trust-safety cannot be deleted; still in use: model toxicity-filter. Move them to another team first, or keep the team in the file.",
    ]);
  });

  it("refuses to delete a model that still has deployments, saying where", () => {
    const plan = diffFleet(FLEET, parse({ ...HEAD, models: [] }), {
      prune: true,
      now: NOW,
      usage: {
        model: {
          "ranker-xl": ["2 deployments (production/us-east-1, staging/us-east-1)", "5 versions"],
        },
      },
    });
    expect(plan.problems).toEqual([
      expect.stringMatching(
        /^Model ranker-xl cannot be deleted; still in use: 2 deployments \(production\/us-east-1, staging\/us-east-1\); 5 versions\. .*roll it out of its environments first/,
      ),
    ]);
    expect(formatPlan(plan)).toMatch(/Refused; nothing will be applied:\n {2}✗ Model ranker-xl/);
  });

  it("refuses to delete a region that environments or clusters still use", () => {
    const plan = diffFleet(
      FLEET,
      parse({ ...HEAD, regions: [{ code: "eu-west-1", name: "EU West (Ireland)" }] }),
      { prune: true, now: NOW },
    );
    expect(opsOf(plan.changes)).toEqual(["delete region us-east-1"]);
    expect(plan.problems).toEqual([
      "Region us-east-1 cannot be deleted; still in use: environment staging/us-east-1; environment production/us-east-1; cluster eks-use1-serve-01.",
    ]);
  });

  it("deletes a region together with everything in it when nothing else uses them", () => {
    const plan = diffFleet(FLEET, parse({ ...HEAD, regions: [], environments: [], clusters: [] }), {
      prune: true,
      now: NOW,
    });
    expect(plan.problems).toEqual([]);
    expect(opsOf(plan.changes)).toEqual([
      "delete cluster eks-use1-serve-01",
      "delete environment staging/us-east-1",
      "delete environment production/us-east-1",
      "delete region us-east-1",
      "delete region eu-west-1",
    ]);
  });

  it("refuses references to objects that do not exist, with the path", () => {
    const plan = diffFleet(
      FLEET,
      parse({
        ...HEAD,
        environments: [{ name: "production/ap-south-1" }],
        clusters: [{ name: "gke-x", region: "ap-south-1", provider: "gke" }],
        models: [{ name: "m", displayName: "M", task: "t", team: "search" }],
      }),
      { prune: false, now: NOW },
    );
    expect(plan.problems).toEqual([
      'environments[0].region: there is no region "ap-south-1"; declare it under regions.',
      'clusters[0].region: there is no region "ap-south-1"; declare it under regions.',
      'models[0].team: there is no team "search"; declare it under teams.',
    ]);
  });

  it("accepts references to objects declared in the same file", () => {
    const plan = diffFleet(
      FLEET,
      parse({
        ...HEAD,
        regions: [{ code: "ap-south-1", name: "Asia Pacific (Mumbai)" }],
        environments: [{ name: "production/ap-south-1" }],
      }),
      { prune: false, now: NOW },
    );
    expect(plan.problems).toEqual([]);
    expect(opsOf(plan.changes)).toEqual([
      "create region ap-south-1",
      "create environment production/ap-south-1",
    ]);
  });

  it("changes node pools one by one, and leaves them alone when the file does not list them", () => {
    const doc = exported(FLEET) as {
      clusters: { nodePools?: { name: string; maxNodes: number }[] }[];
    };
    const cluster = doc.clusters[0];
    if (!cluster?.nodePools) throw new Error("fixture");
    cluster.nodePools = [
      { ...cluster.nodePools[0], name: "a100-pool", maxNodes: 16 },
      { name: "h100-pool", gpuType: "H100", gpusPerNode: 8, minNodes: 0, maxNodes: 4 },
    ] as typeof cluster.nodePools;
    const plan = diffFleet(FLEET, parse(doc), { prune: false, now: NOW });
    expect(plan.changes[0]?.fields).toEqual([
      { field: "nodePools.a100-pool.maxNodes", before: 12, after: 16 },
      {
        field: "nodePools.h100-pool",
        before: null,
        after: { gpuType: "H100", gpusPerNode: 8, maxNodes: 4, minNodes: 0, name: "h100-pool" },
      },
      {
        field: "nodePools.l4-pool",
        before: { gpuType: "L4", gpusPerNode: 4, maxNodes: 18, minNodes: 4, name: "l4-pool" },
        after: null,
      },
    ]);
    const unlisted = diffFleet(
      FLEET,
      parse({
        ...HEAD,
        clusters: [{ name: "eks-use1-serve-01", region: "us-east-1", provider: "eks" }],
      }),
      { prune: false, now: NOW },
    );
    expect(unlisted.changes).toEqual([]);
  });

  it("never prunes a freeze that already ended (history), and matches one by name", () => {
    const ended = {
      name: "Launch freeze",
      tier: "all" as const,
      startsAt: new Date("2026-10-01T00:00:00Z"),
      endsAt: new Date("2026-10-08T00:00:00Z"),
      reason: "Big launch.",
    };
    const state = { ...FLEET, freezes: [...FLEET.freezes, ended] };
    const pruned = diffFleet(state, parse({ ...HEAD, freezes: [] }), { prune: true, now: NOW });
    expect(opsOf(pruned.changes)).toEqual(["delete freeze Year-end freeze"]);
    // A file still naming the ended freeze does not add it again.
    const again = diffFleet(
      state,
      parse({
        ...HEAD,
        freezes: [
          {
            ...ended,
            startsAt: ended.startsAt.toISOString(),
            endsAt: ended.endsAt.toISOString(),
          },
        ],
      }),
      { prune: false, now: NOW },
    );
    expect(again.changes).toEqual([]);
    // Export leaves it out.
    expect(fleetDocument(state, NOW).freezes).toHaveLength(1);
  });
});

describe("freezesByName", () => {
  const row = (id: string, name: string, endsAt: string) => ({
    id,
    name,
    tier: "all" as const,
    startsAt: new Date(new Date(endsAt).getTime() - 86_400_000),
    endsAt: new Date(endsAt),
    reason: "Because.",
  });

  it("prefers the freeze not yet ended, else the one that ended last", () => {
    const { freezes, problems } = freezesByName(
      [
        row("1", "Year-end", "2025-01-05T00:00:00Z"),
        row("2", "Year-end", "2027-01-05T00:00:00Z"),
        row("3", "Launch", "2026-10-01T00:00:00Z"),
        row("4", "Launch", "2026-11-01T00:00:00Z"),
      ],
      NOW,
    );
    expect(problems).toEqual([]);
    expect(freezes.map((f) => [f.name, f.endsAt.toISOString()])).toEqual([
      ["Year-end", "2027-01-05T00:00:00.000Z"],
      ["Launch", "2026-11-01T00:00:00.000Z"],
    ]);
  });

  it("cannot tell two ongoing freezes of one name apart", () => {
    const { problems } = freezesByName(
      [row("1", "Year-end", "2027-01-05T00:00:00Z"), row("2", "Year-end", "2027-01-06T00:00:00Z")],
      NOW,
    );
    expect(problems).toEqual([expect.stringMatching(/both named "Year-end"/)]);
  });
});

describe("formatPlan and planRecord", () => {
  it("prints creates, updates and deletes, and says when nothing changes", () => {
    expect(formatPlan({ changes: [], problems: [], result: FLEET })).toBe(
      "No changes: the fleet already matches the file.\n",
    );
    const doc = exported(FLEET) as {
      environments: { name: string; soakMinutes: number }[];
      teams: unknown[];
    };
    const prod = doc.environments.find((e) => e.name === "production/us-east-1");
    if (!prod) throw new Error("fixture");
    prod.soakMinutes = 90;
    doc.teams = [...doc.teams, { slug: "vision", name: "Vision" }];
    const plan = diffFleet(FLEET, parse({ ...(doc as object), freezes: [] }), {
      prune: true,
      now: NOW,
    });
    expect(formatPlan(plan)).toBe(
      [
        "+ team vision",
        '    slug: "vision"',
        '    name: "Vision"',
        "~ environment production/us-east-1",
        "    soakMinutes: 60 → 90",
        "- freeze Year-end freeze",
        '    name: "Year-end freeze"',
        '    tier: "production"',
        '    startsAt: "2026-12-20T00:00:00.000Z"',
        '    endsAt: "2027-01-05T00:00:00.000Z"',
        '    reason: "Holiday traffic peak: fixes only."',
        "1 to create, 1 to update, 1 to delete.",
        "",
      ].join("\n"),
    );
    expect(planSummary(plan)).toEqual({ create: 1, update: 1, delete: 1 });
    const record = planRecord(plan);
    expect(record.summary).toEqual({ create: 1, update: 1, delete: 1 });
    expect(record.changes[1]).toEqual({
      kind: "environment",
      name: "production/us-east-1",
      op: "update",
      fields: [{ field: "soakMinutes", before: 60, after: 90 }],
    });
    // JSON-safe for the audit log: no Date objects.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });
});

describe("the exported file reads as people write it", () => {
  it("puts each rollout step's kind first, whatever key order the database kept", () => {
    const yaml = YAML.stringify(fleetDocument(FLEET, NOW));
    expect(yaml).toMatch(/- kind: analysis\n\s+durationSec: 120\n\s+intervalSec: 30\n/);
    expect(yaml).not.toMatch(/- durationSec:/);
  });
});

describe("notification channels in the file", () => {
  const withChannels = (channels: unknown[]) =>
    parse({ apiVersion: "flightdeck.dev/v1", kind: "FleetConfig", notificationChannels: channels });
  const hook = {
    name: "ranking-oncall",
    kind: "webhook",
    endpoint: "https://hooks.example.com/flightdeck",
    secretFromEnv: "RANKING_HOOK_SECRET",
    subscriptions: [{ team: "ranking", events: ["rollout.aborted"] }],
  };

  it("applies its own export back without a change, and never writes a secret", () => {
    const doc = exported(FLEET) as { notificationChannels: Record<string, unknown>[] };
    expect(doc.notificationChannels).toEqual([
      {
        name: "ranking-oncall",
        kind: "webhook",
        endpoint: "https://hooks.example.com/flightdeck",
        secretFromEnv: "RANKING_HOOK_SECRET",
        enabled: true,
        subscriptions: [{ team: "ranking", events: ["rollout.aborted"] }],
      },
    ]);
    expect(JSON.stringify(doc)).not.toContain("d1");
    // without the variable set, an existing channel keeps its secret
    expect(diffFleet(FLEET, parse(doc), { prune: false, now: NOW }).changes).toEqual([]);
  });

  it("needs the secret to create a channel, and shows a changed one by its hint only", () => {
    const create = diffFleet(EMPTY, withChannels([hook]), { prune: false, now: NOW });
    expect(create.problems).toContain(
      "notificationChannels[0].secretFromEnv: a new channel needs its secret, from an environment variable set where the file is applied.",
    );
    const rotated = diffFleet(FLEET, withChannels([hook]), {
      prune: false,
      now: NOW,
      secrets: new Map([["ranking-oncall", { secret: { hint: "…wxyz", digest: "d2" } }]]),
    });
    expect(rotated.problems).toEqual([]);
    expect(rotated.changes.map((c) => [c.op, c.name, c.fields])).toEqual([
      ["update", "ranking-oncall", [{ field: "secret", before: "…cdef", after: "…wxyz" }]],
    ]);
  });

  it("changes subscriptions as a set, and refuses one naming what does not exist", () => {
    const same = diffFleet(
      FLEET,
      withChannels([
        {
          ...hook,
          subscriptions: [{ team: "ranking", events: ["rollout.aborted", "rollout.aborted"] }],
        },
      ]),
      { prune: false, now: NOW },
    );
    expect(same.changes).toEqual([]);
    const more = diffFleet(
      FLEET,
      withChannels([
        {
          ...hook,
          subscriptions: [
            { team: "ranking", events: ["rollout.aborted"] },
            {
              model: "ranker-xl",
              environment: "production/us-east-1",
              events: ["rollout.completed"],
            },
          ],
        },
      ]),
      { prune: false, now: NOW },
    );
    expect(more.problems).toEqual([]);
    expect(more.changes[0]?.fields.map((f) => f.field)).toEqual(["subscriptions"]);
    const unknown = diffFleet(
      FLEET,
      withChannels([{ ...hook, subscriptions: [{ team: "nobody", events: ["rollout.aborted"] }] }]),
      { prune: false, now: NOW },
    );
    expect(unknown.problems).toEqual([
      'notificationChannels[0].subscriptions.team: there is no team "nobody"; declare it under teams.',
    ]);
  });

  it("refuses what a kind cannot take", () => {
    expect(
      errorsOf({
        apiVersion: "flightdeck.dev/v1",
        kind: "FleetConfig",
        notificationChannels: [
          { name: "slack one", kind: "slack", endpoint: "https://hooks.slack.com/x" },
          {
            name: "pd one",
            kind: "pagerduty",
            subscriptions: [{ events: ["rollout.aborted"] }],
          },
          { name: "hook one", kind: "webhook", secretFromEnv: "not a name" },
          { name: "hook two", kind: "webhook", endpoint: "https://u:p@hooks.example.com/x" },
        ],
      }),
    ).toEqual([
      "notificationChannels[0].endpoint: A Slack webhook's URL is its secret: give it through secretFromEnv.",
      "notificationChannels[1].subscriptions[0].events[0]: A pagerduty channel does not receive rollout.aborted (PagerDuty receives incidents only).",
      "notificationChannels[2].secretFromEnv: Not an environment variable name (letters, digits, _).",
      "notificationChannels[3].endpoint: Must be an http(s) URL, without a user name or password in it.",
    ]);
  });

  it("deletes a channel the file leaves out only when pruning", () => {
    const none = withChannels([]);
    expect(diffFleet(FLEET, none, { prune: false, now: NOW }).changes).toEqual([]);
    expect(opsOf(diffFleet(FLEET, none, { prune: true, now: NOW }).changes)).toEqual([
      "delete channel ranking-oncall",
    ]);
  });
});

describe("release windows in the file", () => {
  const file = (windows: unknown[]) =>
    ({ apiVersion: "flightdeck.dev/v1", kind: "FleetConfig", releaseWindows: windows }) as const;

  it("exports them with days by name and takes them back unchanged", () => {
    const doc = exported(FLEET) as { releaseWindows: unknown[] };
    expect(doc.releaseWindows).toEqual([
      {
        name: "Weekend freeze",
        kind: "freeze",
        tier: "production",
        timeZone: "Europe/Berlin",
        startDay: "Friday",
        startTime: "16:00",
        endDay: "Monday",
        endTime: "08:00",
        reason: "No production changes over the weekend.",
      },
    ]);
    expect(diffFleet(FLEET, parse(doc), { prune: false, now: NOW }).changes).toEqual([]);
  });

  it("refuses what the release policy page refuses", () => {
    expect(
      errorsOf(
        file([
          {
            name: "Bad",
            kind: "freeze",
            timeZone: "Mars/Olympus",
            startDay: "Friday",
            startTime: "25:00",
            endDay: "Funday",
            endTime: "08:00",
          },
        ]),
      ),
    ).toEqual([
      "releaseWindows[0].endDay: A day: Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday.",
    ]);
    expect(
      errorsOf(
        file([
          {
            name: "Bad",
            kind: "freeze",
            timeZone: "Mars/Olympus",
            startDay: "Friday",
            startTime: "25:00",
            endDay: "Monday",
            endTime: "08:00",
          },
        ]),
      ),
    ).toEqual([
      "releaseWindows[0].timeZone: Give an IANA time zone, e.g. Europe/Berlin or America/New_York.",
      "releaseWindows[0].startTime: Give a time as HH:MM (24 hours).",
      "releaseWindows[0].reason: Say why (at least 5 characters).",
    ]);
  });

  it("changes a window field by field and prunes one the file leaves out", () => {
    const moved = diffFleet(
      FLEET,
      parse(
        file([
          {
            name: "Weekend freeze",
            kind: "freeze",
            tier: "production",
            timeZone: "Europe/Berlin",
            startDay: "Friday",
            startTime: "15:00",
            endDay: "Monday",
            endTime: "08:00",
            reason: "No production changes over the weekend.",
          },
        ]),
      ),
      { prune: false, now: NOW },
    );
    expect(moved.changes.map((c) => [c.kind, c.fields])).toEqual([
      ["window", [{ field: "startTime", before: "16:00", after: "15:00" }]],
    ]);
    expect(opsOf(diffFleet(FLEET, parse(file([])), { prune: true, now: NOW }).changes)).toEqual([
      "delete window Weekend freeze",
    ]);
  });
});
