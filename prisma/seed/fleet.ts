import { seedCandidates } from "./candidates";
import { seedCapacityHistory } from "./capacity-history";
import { floorToMinute, lookup, type BadWindow, type IncidentPlan, type Tx } from "./common";
import { DEMO_SEED, MODELS, REGIONS } from "./demo-data";
import { seedModelHistory } from "./history";
import { outages, seedIncidents } from "./incidents";
import { seedModel, type SeededModel } from "./models";
import { seedOrg } from "./org";
import { seedPromotions } from "./promotions";
import { createRng, type Rng } from "./rng";
import { seedSloHistory } from "./slo-history";
import { seedTopology, type Topology } from "./topology";
import { seedTrainingJobs } from "./training";

export { DEMO_USERS } from "./demo-data";

/**
 * The demo fleet: 4 regions, 8 clusters, 3 teams, 6 models, SLOs with 200 days of history,
 * past rollouts and incidents, training jobs. Deterministic for a given seed and `now`.
 *
 * One generator runs through the sections in this order, each drawing where the fleet was first
 * generated: moving a section, or a draw within one, changes every figure after it.
 */
export async function seedDemoFleet(
  tx: Tx,
  options: { seed?: number; now?: Date } = {},
): Promise<void> {
  const seed = options.seed ?? DEMO_SEED;
  const rng = createRng(seed);
  const nowMs = floorToMinute(options.now ?? new Date()).getTime();

  const { teamIds, userIds } = await seedOrg(tx);
  const topology = await seedTopology(tx, { rng, nowMs, teamIds });
  const fleet = await seedModelsWithHistory(tx, { rng, nowMs, teamIds, topology });
  const outageHistory = outages(nowMs);
  await seedIncidents(tx, {
    rng,
    seed,
    nowMs,
    modelIds: fleet.modelIds,
    plans: [...fleet.incidents, ...outageHistory.incidents],
  });
  await seedSloHistory(tx, {
    rng,
    nowMs,
    modelIds: fleet.modelIds,
    teamIds,
    badWindows: [...fleet.badWindows, ...outageHistory.badWindows],
  });
  await seedTrainingJobs(tx, {
    rng,
    nowMs,
    modelIds: fleet.modelIds,
    teamIds,
    trainingClusterIds: topology.trainingClusterIds,
  });
  const models = await seedCandidates(tx, { seed, nowMs, models: fleet.models });
  await seedPromotions(tx, { nowMs, userIds, models });
  await seedCapacityHistory(tx, { nowMs });

  await tx.auditEvent.create({
    data: {
      actorEmail: "system",
      actorRole: "system",
      action: "fleet.seed",
      targetType: "fleet",
      outcome: "allowed",
      after: { regions: REGIONS.length, models: MODELS.length, seed },
      reason: "First start with an empty database: demo fleet created",
    },
  });
}

/**
 * Each model with its versions, then its past rollouts and deployments, model by model: the
 * generator's draws for a model's history come before the next model's.
 */
async function seedModelsWithHistory(
  tx: Tx,
  input: { rng: Rng; nowMs: number; teamIds: ReadonlyMap<string, string>; topology: Topology },
) {
  const models = new Map<string, SeededModel>();
  const badWindows: BadWindow[] = [];
  const incidents: IncidentPlan[] = [];
  for (const [index, model] of MODELS.entries()) {
    const teamId = lookup(input.teamIds, model.team, "team");
    const seeded = await seedModel(tx, { ...input, model, index, teamId });
    const history = await seedModelHistory(tx, { ...input, model, seeded });
    models.set(model.name, seeded);
    badWindows.push(...history.badWindows);
    incidents.push(...history.incidents);
  }
  const modelIds = new Map([...models].map(([name, m]) => [name, m.modelId]));
  return { models, modelIds, badWindows, incidents };
}
