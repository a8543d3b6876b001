import "../../support/request-context";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { allowDirectChanges, requirePromotions } from "../../support/release-process";
import { createToken } from "@/server/access/tokens";
import { loadUserActor } from "@/server/auth/session";
import type { ActionResult } from "@/lib/schemas/result";
import * as usersActions from "@/actions/users";
import * as tokensActions from "@/actions/tokens";
import * as authActions from "@/actions/auth";
import * as chaosActions from "@/actions/chaos";
import * as trafficActions from "@/actions/traffic";
import * as trainingActions from "@/actions/training";
import * as rolloutActions from "@/actions/rollouts";
import * as sloActions from "@/actions/slos";
import * as promotionActions from "@/actions/promotions";
import * as incidentActions from "@/actions/incidents";
import * as postmortemActions from "@/actions/postmortems";
import * as configActions from "@/actions/config";
import * as notificationActions from "@/actions/notifications";
import * as linkActions from "@/actions/links";
import * as preferenceActions from "@/actions/preferences";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import * as versionsRoute from "@/app/api/v1/models/[model]/versions/route";
import * as chaosRoute from "@/app/api/v1/chaos/route";
import * as chaosStopRoute from "@/app/api/v1/chaos/[id]/route";
import * as sloImportRoute from "@/app/api/v1/slos/import/route";

const prisma = connectTestDatabase();
/** An environment of ranker-xl that keeps the default: changes only through promotions. */
const PROMOTIONS_ONLY = "production/us-west-2";
const ROOT = path.resolve(import.meta.dirname, "../../..");
const ACTORS = ["anonymous", "no-role", "viewer", "engineer", "release_manager", "admin"] as const;
type ActorName = (typeof ACTORS)[number];
const users = {} as Record<Exclude<ActorName, "anonymous">, string>;
let rankingTeamId = "";
let seq = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

beforeAll(async () => {
  // The table's own rollouts run where release managers may start them directly.
  await allowDirectChanges(prisma, ["production/us-east-1"]);
  await requirePromotions(prisma, [PROMOTIONS_ONLY]);
  rankingTeamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } })).id;
  for (const name of ACTORS) {
    if (name === "anonymous") continue;
    const u = await prisma.user.create({
      data: {
        email: `${unique(name)}@authz.test`,
        name,
        role: name === "no-role" ? null : name,
        teamId: rankingTeamId,
      },
    });
    users[name] = u.id;
  }
});
afterAll(async () => {
  // Promotion requests the table made would sit in other files' approval queues.
  await prisma.promotionRequest.deleteMany({
    where: { justification: { startsWith: "Authorization drill" } },
  });
  await prisma.incident.deleteMany({
    where: { title: { startsWith: "Authorization drill incident" } },
  });
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

/**
 * A ranker-xl rollout in a given state with fresh versions, after ending any other rollout of
 * the model, so each caller's attempt starts from the same place.
 */
async function newRollout(
  status: "progressing" | "paused" | "aborted" | "completed",
  environment = "production/us-east-1",
) {
  const model = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
  await prisma.rollout.updateMany({
    where: {
      modelId: model.id,
      status: { in: ["pending", "progressing", "paused", "analyzing", "degraded"] },
    },
    data: { status: "aborted", platformSynced: true },
  });
  const env = await prisma.environment.findUniqueOrThrow({ where: { name: environment } });
  const from = await prisma.modelVersion.findFirstOrThrow({
    where: { modelId: model.id },
    orderBy: { createdAt: "asc" },
  });
  const v = unique("9.0");
  const to = await prisma.modelVersion.create({
    data: {
      modelId: model.id,
      version: v,
      imageDigest: `registry.test/ranker-xl@sha256:${v.replace(/\W/g, "").padEnd(64, "0")}`,
      baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
      artifactUri: `s3://authz/${v}`,
      trainingRunId: "run",
      datasetDigest: `sha256:${"d".repeat(64)}`,
      codeCommit: "e".repeat(40),
      evalMetrics: {},
      createdBy: "authz",
    },
  });
  return prisma.rollout.create({
    data: {
      modelId: model.id,
      fromVersionId: from.id,
      toVersionId: to.id,
      environmentId: env.id,
      strategy: "canary",
      status,
      currentStep: 1,
      currentWeight: 10,
      platformSynced: true,
      steps: {
        create: [
          { index: 0, kind: "set_weight", weight: 10, status: "succeeded" },
          { index: 1, kind: "pause", status: "running" },
          { index: 2, kind: "set_weight", weight: 100 },
        ],
      },
    },
  });
}

const rolloutSnapshot = (id: string) => () =>
  prisma.rollout.findUnique({
    where: { id },
    select: { status: true, version: true, currentStep: true },
  });

function commandCase(
  allowed: readonly ActorName[],
  status: "progressing" | "paused" | "aborted",
  reason?: string,
  environment?: string,
  extra: Record<string, unknown> = {},
): ActionCase {
  return {
    allowed,
    prepare: async () => {
      const r = await newRollout(status, environment);
      return {
        input: { rolloutId: r.id, version: r.version, ...(reason ? { reason } : {}), ...extra },
        snapshot: async () => ({
          row: await rolloutSnapshot(r.id)(),
          retries: await prisma.rollout.count({ where: { toVersionId: r.toVersionId } }),
        }),
      };
    },
  };
}

const signInAs = (name: ActorName) => {
  requestContext.userId = name === "anonymous" ? null : users[name];
};

async function newTarget() {
  return prisma.user.create({
    data: { email: `${unique("target")}@authz.test`, name: "Target", role: "viewer" },
  });
}

async function newToken() {
  const admin = await loadUserActor(users.admin);
  const { token } = await createToken(
    admin,
    { requestId: "setup", clientIp: null },
    {
      name: unique("tok"),
      teamId: rankingTeamId,
      scopes: ["fleet.read"],
      expiresInDays: 30,
    },
  );
  return token;
}

interface ActionCase {
  /** the exported action, when the table's key names a variant of it */
  action?: string;
  allowed: readonly ActorName[];
  /** builds a fresh input and a snapshot of the state the action would change */
  prepare: () => Promise<{ input: unknown; snapshot: () => Promise<unknown> }>;
  /** a preview: allowed callers get an answer and nothing changes */
  readOnly?: true;
}

/** Every server action, with the roles allowed to call it. A new action must be added here. */
/** A channel made directly: these cases check who may act on it, not what it sends. */
async function newChannel() {
  return prisma.notificationChannel.create({
    data: {
      name: unique("authz-hook"),
      kind: "webhook",
      endpoint: "http://127.0.0.1:9/hook",
      secret: "v1:unused",
      secretHint: "…used",
      createdBy: "setup",
    },
  });
}

async function deadDelivery() {
  const channel = await newChannel();
  const event = await prisma.notificationEvent.create({
    data: {
      type: "rollout.aborted",
      subjectKey: unique("rollout:authz"),
      occurredAt: new Date(),
      payload: {},
    },
  });
  return prisma.notificationDelivery.create({
    data: {
      eventId: event.id,
      channelId: channel.id,
      subjectKey: event.subjectKey,
      seq: event.seq,
      status: "dead",
      attempts: 12,
      nextAttemptAt: new Date(),
      createdAt: new Date(),
    },
  });
}

const ACTIONS: Record<string, ActionCase> = {
  createChannelAction: {
    allowed: ["admin"],
    prepare: async () => {
      const name = unique("authz-channel");
      return {
        input: { kind: "webhook", name, url: "https://hooks.example.com/flightdeck" },
        snapshot: () => prisma.notificationChannel.count({ where: { name } }),
      };
    },
  },
  setChannelEnabledAction: {
    allowed: ["admin"],
    prepare: async () => {
      const c = await newChannel();
      return {
        input: { channelId: c.id, enabled: false, version: c.version },
        snapshot: () =>
          prisma.notificationChannel.findUnique({ where: { id: c.id }, select: { enabled: true } }),
      };
    },
  },
  deleteChannelAction: {
    allowed: ["admin"],
    prepare: async () => {
      const c = await newChannel();
      return {
        input: { channelId: c.id },
        snapshot: () => prisma.notificationChannel.count({ where: { id: c.id } }),
      };
    },
  },
  addSubscriptionAction: {
    allowed: ["admin"],
    prepare: async () => {
      const c = await newChannel();
      return {
        input: { channelId: c.id, teamId: rankingTeamId, events: ["rollout.aborted"] },
        snapshot: () => prisma.notificationSubscription.count({ where: { channelId: c.id } }),
      };
    },
  },
  removeSubscriptionAction: {
    allowed: ["admin"],
    prepare: async () => {
      const c = await newChannel();
      const sub = await prisma.notificationSubscription.create({
        data: { channelId: c.id, events: ["incident.opened"], createdBy: "setup" },
      });
      return {
        input: { subscriptionId: sub.id },
        snapshot: () => prisma.notificationSubscription.count({ where: { id: sub.id } }),
      };
    },
  },
  redeliverAction: {
    allowed: ["admin"],
    prepare: async () => {
      const d = await deadDelivery();
      return {
        input: { deliveryId: d.id },
        snapshot: () =>
          prisma.notificationDelivery.findUnique({ where: { id: d.id }, select: { status: true } }),
      };
    },
  },
  // The fleet configuration page: a file that adds one team.
  previewConfigAction: {
    allowed: ["admin"],
    readOnly: true,
    prepare: async () => configCase(),
  },
  applyConfigAction: {
    allowed: ["admin"],
    prepare: async () => configCase(),
  },
  createUserAction: {
    allowed: ["admin"],
    prepare: async () => {
      const email = `${unique("new")}@authz.test`;
      return {
        input: {
          email,
          name: "New",
          role: "viewer",
          teamId: "",
          password: "correct-horse-battery",
        },
        snapshot: () => prisma.user.count({ where: { email } }),
      };
    },
  },
  updateUserAction: {
    allowed: ["admin"],
    prepare: async () => {
      const t = await newTarget();
      return {
        input: { userId: t.id, role: "engineer", teamId: rankingTeamId, version: t.version },
        snapshot: () =>
          prisma.user.findUnique({
            where: { id: t.id },
            select: { role: true, teamId: true, version: true },
          }),
      };
    },
  },
  setUserDisabledAction: {
    allowed: ["admin"],
    prepare: async () => {
      const t = await newTarget();
      return {
        input: { userId: t.id, disabled: true, version: t.version },
        snapshot: () =>
          prisma.user.findUnique({
            where: { id: t.id },
            select: { disabled: true, version: true },
          }),
      };
    },
  },
  createTokenAction: {
    allowed: ["admin"],
    prepare: async () => {
      const name = unique("ci");
      return {
        input: { name, teamId: rankingTeamId, scopes: ["fleet.read"], expiresInDays: 30 },
        snapshot: () => prisma.apiToken.count({ where: { name } }),
      };
    },
  },
  revokeTokenAction: {
    allowed: ["admin"],
    prepare: async () => {
      const t = await newToken();
      return {
        input: { tokenId: t.id },
        snapshot: () =>
          prisma.apiToken.findUnique({ where: { id: t.id }, select: { revokedAt: true } }),
      };
    },
  },
  reownTokenAction: {
    allowed: ["admin"],
    prepare: async () => {
      // A token of another admin, who has been disabled since: re-owning brings it back.
      const owner = await prisma.user.create({
        data: { email: `${unique("owner")}@authz.test`, name: "Owner", role: "admin" },
      });
      const { token } = await createToken(
        await loadUserActor(owner.id),
        { requestId: "setup", clientIp: null },
        { name: unique("tok"), teamId: rankingTeamId, scopes: ["fleet.read"], expiresInDays: 30 },
      );
      await prisma.user.update({ where: { id: owner.id }, data: { disabled: true } });
      return {
        input: { tokenId: token.id, ownerId: owner.id },
        snapshot: () =>
          prisma.apiToken.findUnique({ where: { id: token.id }, select: { createdById: true } }),
      };
    },
  },
  startChaosAction: {
    allowed: ["admin"],
    prepare: async () => {
      const reason = unique("drill");
      return {
        input: {
          kind: "latency_injection",
          region: "ap-southeast-1",
          percent: 50,
          durationMinutes: 1,
          reason,
        },
        snapshot: () => prisma.chaosExperiment.count({ where: { reason } }),
      };
    },
  },
  stopChaosAction: {
    allowed: ["admin"],
    prepare: async () => {
      const e = await prisma.chaosExperiment.create({
        data: {
          kind: "region_degradation",
          region: "us-west-2",
          magnitude: 0.01,
          endsAt: new Date(Date.now() + 600_000),
          createdById: users.admin,
          reason: unique("stop-me"),
        },
      });
      return {
        input: { experimentId: e.id },
        snapshot: () =>
          prisma.chaosExperiment.findUnique({ where: { id: e.id }, select: { stoppedAt: true } }),
      };
    },
  },
  startDrainAction: {
    // engineers drain their team's models (every actor here is in the ranking team); admins any
    allowed: ["engineer", "admin"],
    prepare: async () => {
      await prisma.regionDrain.updateMany({
        where: { region: "eu-west-1", phase: { not: "undrained" } },
        data: { phase: "undrained" },
      });
      const reason = unique("drain");
      return {
        input: {
          region: "eu-west-1",
          scope: "model",
          name: "query-embedder",
          headroom: 0,
          acknowledge: true,
          reason,
        },
        snapshot: () => prisma.regionDrain.count({ where: { reason } }),
      };
    },
  },
  drainCommandAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      await prisma.regionDrain.updateMany({
        where: { region: "ap-southeast-1", phase: { not: "undrained" } },
        data: { phase: "undrained" },
      });
      const model = await prisma.model.findUniqueOrThrow({ where: { name: "query-embedder" } });
      const d = await prisma.regionDrain.create({
        data: {
          region: "ap-southeast-1",
          kind: "drain",
          scopeKind: "model",
          scopeName: model.name,
          steps: [50, 100],
          stepSeconds: 60,
          headroom: 0.2,
          models: [
            {
              model: model.name,
              modelId: model.id,
              teamId: model.teamId,
              verdict: "safe",
              reasons: [],
              dialsBefore: {},
              drained: {
                cluster: "",
                autoscaler: null,
                hpaBefore: null,
                replicasBefore: 0,
                hpaSet: null,
              },
              receiving: [],
            },
          ],
          createdByEmail: "setup@authz.test",
          reason: unique("command"),
        },
      });
      return {
        input: { drainId: d.id, command: "pause", expectedVersion: d.version },
        snapshot: () =>
          prisma.regionDrain.findUnique({ where: { id: d.id }, select: { paused: true } }),
      };
    },
  },
  resumeTrainingAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      // A failed job of the actors' team, known to the platform (the fleet boots from the inventory).
      const template = await prisma.trainingJob.findFirstOrThrow({
        select: { modelId: true, clusterId: true },
      });
      const job = await prisma.trainingJob.create({
        data: {
          name: unique("authz-train"),
          modelId: template.modelId,
          teamId: rankingTeamId,
          clusterId: template.clusterId,
          status: "failed",
          gpuType: "A100",
          gpuCount: 8,
          stepsTotal: 1_000,
          stepsDone: 300,
          failureReason: "NCCL timeout",
          startedAt: new Date(Date.now() - 3_600_000),
          checkpoints: {
            create: [{ step: 250, uri: "s3://authz/step-250", createdAt: new Date() }],
          },
        },
      });
      await resetSimulatorFleet();
      return {
        input: { jobId: job.id, version: job.version },
        snapshot: () =>
          prisma.trainingJob.findUnique({
            where: { id: job.id },
            select: { status: true, restarts: true, version: true },
          }),
      };
    },
  },
  startRolloutAction: {
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      const r = await newRollout("aborted");
      const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: r.toVersionId } });
      return {
        input: {
          model: "ranker-xl",
          version: version.version,
          steps: "weight 10\npause\nweight 100",
          waves: "production/us-east-1",
        },
        snapshot: () => prisma.rollout.count({ where: { toVersionId: r.toVersionId } }),
      };
    },
  },
  pauseRolloutAction: commandCase(["engineer", "release_manager", "admin"], "progressing"),
  resumeRolloutAction: commandCase(["engineer", "release_manager", "admin"], "paused"),
  abortRolloutAction: commandCase(["engineer", "release_manager", "admin"], "progressing"),
  promoteRolloutAction: commandCase(["release_manager", "admin"], "paused"),
  promoteFullRolloutAction: commandCase(["release_manager", "admin"], "paused", "hotfix drill"),
  retryRolloutAction: commandCase(["release_manager", "admin"], "aborted"),
  // Production/us-west-2 takes changes only through promotions (the default): direct changes
  // there are an admin's fix with a reason, even for release managers.
  "startRolloutAction into a promotions-only environment": {
    action: "startRolloutAction",
    allowed: ["admin"],
    prepare: async () => {
      const r = await newRollout("aborted", PROMOTIONS_ONLY);
      const version = await prisma.modelVersion.findUniqueOrThrow({ where: { id: r.toVersionId } });
      return {
        input: {
          model: "ranker-xl",
          version: version.version,
          steps: "weight 10\npause\nweight 100",
          waves: PROMOTIONS_ONLY,
          fix: true,
          overrideReason: "authz hotfix drill",
        },
        snapshot: () => prisma.rollout.count({ where: { toVersionId: r.toVersionId } }),
      };
    },
  },
  "promoteFullRolloutAction in a promotions-only environment": {
    ...commandCase(["admin"], "paused", "authz hotfix drill", PROMOTIONS_ONLY),
    action: "promoteFullRolloutAction",
  },
  "retryRolloutAction in a promotions-only environment": {
    ...commandCase(["admin"], "aborted", "authz hotfix drill", PROMOTIONS_ONLY, { fix: true }),
    action: "retryRolloutAction",
  },
  rollBackDeploymentAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const r = await newRollout("progressing");
      const from = await prisma.modelVersion.findUniqueOrThrow({
        where: { id: r.fromVersionId ?? "" },
      });
      return {
        input: {
          model: "ranker-xl",
          environment: "production/us-east-1",
          toVersion: from.version,
          reason: "authz drill",
        },
        snapshot: rolloutSnapshot(r.id),
      };
    },
  },
};

/** An SLO of the actors' team, written straight to the table (the service is under test). */
async function newSlo() {
  const model = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
  return prisma.slo.create({
    data: {
      name: unique("authz-slo"),
      description: "authz",
      modelId: model.id,
      teamId: rankingTeamId,
      sliKind: "availability",
      objective: 0.999,
      windowDays: 30,
    },
  });
}

const sloSpec = (name: string, objective = 0.999) => ({
  name,
  description: "authz",
  service: "ranker-xl",
  team: "ranking",
  sliKind: "availability" as const,
  objective,
  window: { kind: "rolling" as const, days: 30 },
  budgetingMethod: "occurrences" as const,
});

const SLO_ACTIONS: Record<string, ActionCase> = {
  createSloAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const name = unique("authz-new-slo");
      return {
        input: sloSpec(name),
        snapshot: () => prisma.slo.count({ where: { name } }),
      };
    },
  },
  updateSloAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const slo = await newSlo();
      return {
        input: { version: slo.version, spec: sloSpec(slo.name, 0.99) },
        snapshot: () =>
          prisma.slo.findUnique({
            where: { id: slo.id },
            select: { objective: true, version: true },
          }),
      };
    },
  },
  deleteSloAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const slo = await newSlo();
      return {
        input: { name: slo.name, version: slo.version },
        snapshot: () => prisma.slo.count({ where: { id: slo.id } }),
      };
    },
  },
  importSlosAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const name = unique("authz-import");
      return {
        input: { yaml: sloYaml(name) },
        snapshot: () => prisma.slo.count({ where: { name } }),
      };
    },
  },
  setBudgetPolicyAction: {
    allowed: ["admin"],
    prepare: async () => {
      const model = await prisma.model.findUniqueOrThrow({ where: { name: "speech-asr" } });
      return {
        input: {
          model: model.name,
          policy: model.budgetPolicy === "enforce" ? "advisory" : "enforce",
          reason: "authz drill",
        },
        snapshot: () =>
          prisma.model.findUnique({ where: { id: model.id }, select: { budgetPolicy: true } }),
      };
    },
  },
};
Object.assign(ACTIONS, SLO_ACTIONS);

/** A fresh query-embedder version (the model runs in staging in eu-west-1 and in production). */
async function newVersion(evalMetrics: Record<string, number> = { "recall@100": 0.95 }) {
  const model = await prisma.model.findUniqueOrThrow({ where: { name: "query-embedder" } });
  const version = unique("authz");
  return prisma.modelVersion.create({
    data: {
      modelId: model.id,
      version,
      imageDigest: `registry.test/query-embedder@sha256:${(seq.toString(16) + Date.now().toString(16)).padEnd(64, "a")}`,
      baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
      artifactUri: `s3://test/${version}`,
      trainingRunId: "run-authz",
      datasetDigest: `sha256:${"c".repeat(64)}`,
      codeCommit: "d".repeat(40),
      evalMetrics,
      createdBy: "authz",
    },
  });
}

let requesterId = "";
/**
 * A promotion request into production (two approvals, so one decision never starts a release),
 * by `by` (default: a release manager who is none of the table's actors).
 */
async function newRequest(
  status: "pending" | "approved" = "pending",
  by?: string,
  evalMetrics?: Record<string, number>,
) {
  if (!requesterId) {
    requesterId = (
      await prisma.user.create({
        data: {
          email: `${unique("requester")}@authz.test`,
          name: "Requester",
          role: "release_manager",
          teamId: rankingTeamId,
        },
      })
    ).id;
  }
  const v = await newVersion(evalMetrics);
  return prisma.promotionRequest.create({
    data: {
      modelId: v.modelId,
      modelVersionId: v.id,
      tier: "production",
      regions: ["eu-west-1"],
      justification: "Authorization drill request",
      requiredApprovals: 2,
      status,
      requestedById: by ?? requesterId,
    },
  });
}

const requestSnapshot = (id: string) => () =>
  prisma.promotionRequest.findUnique({
    where: { id },
    select: { status: true, version: true, _count: { select: { approvals: true } } },
  });

const PROMOTION_ACTIONS: Record<string, ActionCase> = {
  createPromotionAction: {
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      const v = await newVersion();
      return {
        input: {
          model: "query-embedder",
          version: v.version,
          tier: "production",
          regions: ["eu-west-1"],
          justification: "Authorization drill request",
        },
        snapshot: () => prisma.promotionRequest.count({ where: { modelVersionId: v.id } }),
      };
    },
  },
  editPromotionAction: {
    // only the requester
    allowed: ["release_manager"],
    prepare: async () => {
      const r = await newRequest("pending", users.release_manager);
      return {
        input: {
          requestId: r.id,
          version: r.version,
          regions: ["eu-west-1"],
          fix: true,
          justification: "Authorization drill, now a fix",
        },
        snapshot: requestSnapshot(r.id),
      };
    },
  },
  withdrawPromotionAction: {
    // the requester or an admin
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      const r = await newRequest("pending", users.release_manager);
      return { input: { requestId: r.id, version: r.version }, snapshot: requestSnapshot(r.id) };
    },
  },
  decidePromotionAction: {
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      const r = await newRequest();
      return {
        input: { requestId: r.id, version: r.version, decision: "approve" },
        snapshot: requestSnapshot(r.id),
      };
    },
  },
  startPromotionAction: {
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      // Its eval metrics fail the gate, so the attempt records the reason and starts nothing.
      const r = await newRequest("approved", undefined, { "recall@100": 0.1 });
      return { input: { requestId: r.id, version: r.version }, snapshot: requestSnapshot(r.id) };
    },
  },
  createFreezeAction: {
    allowed: ["admin"],
    prepare: async () => {
      const name = unique("authz-freeze");
      return {
        input: {
          name,
          tier: "staging",
          startsAt: "2030-01-01T00:00:00Z",
          endsAt: "2030-01-02T00:00:00Z",
          reason: "Authorization drill",
        },
        snapshot: () => prisma.freezeWindow.count({ where: { name } }),
      };
    },
  },
  deleteFreezeAction: {
    allowed: ["admin"],
    prepare: async () => {
      const f = await prisma.freezeWindow.create({
        data: {
          name: unique("authz-freeze"),
          tier: "staging",
          startsAt: new Date("2030-01-01T00:00:00Z"),
          endsAt: new Date("2030-01-02T00:00:00Z"),
          reason: "Authorization drill",
          createdById: users.admin,
        },
      });
      return {
        input: { freezeId: f.id },
        snapshot: () => prisma.freezeWindow.count({ where: { id: f.id } }),
      };
    },
  },
  // A minute a week (Sunday 03:00 UTC), so the window it adds holds up no other case here.
  createRecurringWindowAction: {
    allowed: ["admin"],
    prepare: async () => {
      const name = unique("authz-window");
      return {
        input: {
          name,
          kind: "freeze",
          tier: "staging",
          timeZone: "UTC",
          startDay: 7,
          startTime: "03:00",
          endDay: 7,
          endTime: "03:01",
          reason: "Authorization drill",
        },
        snapshot: () => prisma.recurringWindow.count({ where: { name } }),
      };
    },
  },
  deleteRecurringWindowAction: {
    allowed: ["admin"],
    prepare: async () => {
      const w = await prisma.recurringWindow.create({
        data: {
          name: unique("authz-window"),
          kind: "freeze",
          tier: "staging",
          timeZone: "UTC",
          startDay: 7,
          startMinute: 180,
          endDay: 7,
          endMinute: 181,
          reason: "Authorization drill",
          createdById: users.admin,
        },
      });
      return {
        input: { windowId: w.id },
        snapshot: () => prisma.recurringWindow.count({ where: { id: w.id } }),
      };
    },
  },
  setEnvironmentPolicyAction: {
    allowed: ["admin"],
    prepare: async () => {
      // No model runs in staging there, so flipping it affects no other test.
      const env = await prisma.environment.findUniqueOrThrow({
        where: { name: "staging/ap-southeast-1" },
      });
      return {
        input: {
          environment: env.name,
          requiredApprovals: env.requiredApprovals === 1 ? 2 : 1,
          soakMinutes: env.soakMinutes,
        },
        snapshot: () =>
          prisma.environment.findUnique({
            where: { id: env.id },
            select: { requiredApprovals: true },
          }),
      };
    },
  },
  "setEnvironmentPolicyAction turning direct changes on or off": {
    action: "setEnvironmentPolicyAction",
    allowed: ["admin"],
    prepare: async () => {
      const env = await prisma.environment.findUniqueOrThrow({
        where: { name: "staging/ap-southeast-1" },
      });
      return {
        input: {
          environment: env.name,
          requiredApprovals: env.requiredApprovals,
          soakMinutes: env.soakMinutes,
          promotionsOnly: !env.promotionsOnly,
        },
        snapshot: () =>
          prisma.environment.findUnique({
            where: { id: env.id },
            select: { promotionsOnly: true },
          }),
      };
    },
  },
  // each person's own preference: whoever may read the fleet (each of the table's people sets
  // their own row once, from UTC to Berlin)
  setTimeZoneAction: {
    allowed: ["viewer", "engineer", "release_manager", "admin"],
    prepare: async () => ({
      input: { timeZone: "Europe/Berlin" },
      snapshot: () =>
        prisma.user.findMany({
          where: { email: { endsWith: "@authz.test" } },
          orderBy: { email: "asc" },
          select: { timeZone: true },
        }),
    }),
  },
  // a model's links: its team's release managers and admins (the table's people are in ranking)
  addLinkAction: {
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      const label = unique("dash").slice(0, 40);
      return {
        input: {
          subjectKind: "model",
          subject: "ranker-xl",
          label,
          urlTemplate: "https://grafana.example.com/d/serving?var-model={model}",
        },
        snapshot: () => prisma.linkTemplate.count({ where: { label } }),
      };
    },
  },
  // an SLO's links: whoever may define its team's SLOs
  removeLinkAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const link = await prisma.linkTemplate.create({
        data: {
          subjectKind: "slo",
          subject: "ranker-xl-availability",
          label: unique("runbook").slice(0, 40),
          urlTemplate: "https://runbooks.example.com/{slo}",
          createdBy: "setup",
        },
      });
      return {
        input: { linkId: link.id },
        snapshot: () => prisma.linkTemplate.count({ where: { id: link.id } }),
      };
    },
  },
  setModelReleaseSettingsAction: {
    allowed: ["release_manager", "admin"],
    prepare: async () => {
      // Only the CPU request flips, so the eval bar other files rely on stays as it is.
      const model = await prisma.model.findUniqueOrThrow({ where: { name: "query-embedder" } });
      const r = model.resources as { gpu: number; cpu: number; memoryGi: number };
      const thresholds = (
        model.evalThresholds as {
          metric: string;
          direction: string;
          bound?: number;
          maxRegression?: number;
        }[]
      )
        .map((t) =>
          [
            t.bound !== undefined
              ? `${t.metric} ${t.direction === "higher" ? ">=" : "<="} ${t.bound}`
              : `${t.metric} ${t.direction}`,
            t.maxRegression !== undefined ? `, max regression ${t.maxRegression}` : "",
          ].join(""),
        )
        .join("\n");
      return {
        input: {
          model: model.name,
          thresholds,
          gpu: r.gpu,
          cpu: r.cpu === 8 ? 9 : 8,
          memoryGi: r.memoryGi,
        },
        snapshot: () =>
          prisma.model.findUnique({ where: { id: model.id }, select: { resources: true } }),
      };
    },
  },
};
Object.assign(ACTIONS, PROMOTION_ACTIONS);

/** An incident in triage for one caller's attempt; the title marks it for cleanup. */
async function newIncident() {
  return prisma.incident.create({
    data: {
      title: unique("Authorization drill incident"),
      severity: "SEV4",
      status: "triage",
      summary: "",
      detectedAt: new Date(),
    },
  });
}

const incidentSnapshot = (id: string) => async () => ({
  row: await prisma.incident.findUnique({
    where: { id },
    select: { status: true, version: true, commander: true, communications: true },
  }),
  events: await prisma.incidentEvent.count({ where: { incidentId: id } }),
});

const INCIDENT_ACTIONS: Record<string, ActionCase> = {
  declareIncidentAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      const title = unique("Authorization drill incident");
      return {
        input: { title, severity: "SEV4", affectedModels: ["ranker-xl"] },
        snapshot: () => prisma.incident.count({ where: { title } }),
      };
    },
  },
  transitionIncidentAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      const i = await newIncident();
      return {
        input: { incidentId: i.id, version: i.version, event: "acknowledge" },
        snapshot: incidentSnapshot(i.id),
      };
    },
  },
  assignIncidentRolesAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      const i = await newIncident();
      return {
        input: {
          incidentId: i.id,
          version: i.version,
          commander: "engineer@flightdeck.demo",
          communications: "",
        },
        snapshot: incidentSnapshot(i.id),
      };
    },
  },
  addIncidentNoteAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      const i = await newIncident();
      return {
        input: { incidentId: i.id, version: i.version, note: "Authorization drill note" },
        snapshot: incidentSnapshot(i.id),
      };
    },
  },
  actOnIncidentChangeAction: {
    allowed: ["engineer", "release_manager", "admin"],
    prepare: async () => {
      const r = await newRollout("progressing");
      const i = await prisma.incident.create({
        data: {
          title: unique("Authorization drill incident"),
          severity: "SEV3",
          status: "investigating",
          summary: "",
          affectedModels: ["ranker-xl"],
          affectedRegions: ["us-east-1"],
          detectedAt: new Date(),
        },
      });
      return {
        input: { incidentId: i.id, rolloutId: r.id, rolloutVersion: r.version, action: "abort" },
        snapshot: rolloutSnapshot(r.id),
      };
    },
  },
  savePostmortemAction: {
    allowed: ["engineer", "admin"],
    prepare: async () => {
      const i = await newIncident();
      return {
        input: { incidentId: i.id, version: 0, postmortem: { summary: "Authorization drill" } },
        snapshot: async () => ({
          postmortem: await prisma.postmortem.findUnique({
            where: { incidentId: i.id },
            select: { version: true, summary: true },
          }),
          events: await prisma.incidentEvent.count({ where: { incidentId: i.id } }),
        }),
      };
    },
  },
};
Object.assign(ACTIONS, INCIDENT_ACTIONS);

function sloYaml(name: string) {
  return [
    "apiVersion: flightdeck.dev/v1",
    "kind: SLO",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  service: ranker-xl",
    "  team: ranking",
    "  sliKind: availability",
    "  objective: 0.999",
    "  window: { kind: rolling, days: 28 }",
    "  budgetingMethod: occurrences",
    "",
  ].join("\n");
}

function configCase() {
  const slug = unique("authz-team").toLowerCase();
  return {
    input: {
      yaml: `apiVersion: flightdeck.dev/v1\nkind: FleetConfig\nteams:\n  - { slug: ${slug}, name: Authz }\n`,
      prune: false,
    },
    snapshot: () => prisma.team.count({ where: { slug } }),
  };
}

/** Authentication entry points: public by nature, covered by the sign-in tests. */
const PUBLIC_ACTIONS = ["signInAction", "signOutAction", "signInWithSsoAction"];

const ACTION_MODULES: Record<string, Record<string, unknown>> = {
  "users.ts": usersActions,
  "tokens.ts": tokensActions,
  "auth.ts": authActions,
  "chaos.ts": chaosActions,
  "traffic.ts": trafficActions,
  "training.ts": trainingActions,
  "rollouts.ts": rolloutActions,
  "slos.ts": sloActions,
  "promotions.ts": promotionActions,
  "incidents.ts": incidentActions,
  "postmortems.ts": postmortemActions,
  "config.ts": configActions,
  "notifications.ts": notificationActions,
  "links.ts": linkActions,
  "preferences.ts": preferenceActions,
};

describe("the authorization table covers every server action", () => {
  it("imports every action module", () => {
    const files = readdirSync(path.join(ROOT, "src/actions")).filter(
      (f) =>
        f.endsWith(".ts") &&
        readFileSync(path.join(ROOT, "src/actions", f), "utf8").startsWith('"use server"'),
    );
    expect(files.sort()).toEqual(Object.keys(ACTION_MODULES).sort());
  });

  it("has an entry for every exported action", () => {
    const exported = Object.values(ACTION_MODULES).flatMap((m) =>
      Object.entries(m)
        .filter(([, v]) => typeof v === "function")
        .map(([k]) => k),
    );
    const missing = exported.filter((name) => !(name in ACTIONS) && !PUBLIC_ACTIONS.includes(name));
    expect(missing, "add these actions to the ACTIONS table").toEqual([]);
  });
});

const actionFns = Object.assign(
  {},
  usersActions,
  tokensActions,
  chaosActions,
  trafficActions,
  trainingActions,
  rolloutActions,
  sloActions,
  promotionActions,
  incidentActions,
  postmortemActions,
  configActions,
  notificationActions,
  linkActions,
  preferenceActions,
) as unknown as Record<
  string,
  ((input: unknown) => Promise<ActionResult<unknown>>) & { actionName: string }
>;

let anonymousCalls = 0;

describe.each(Object.entries(ACTIONS))("server action %s", (name, entry) => {
  it.each(ACTORS)("as %s", async (who) => {
    const fn = actionFns[entry.action ?? name];
    if (!fn) throw new Error(`${name} is not exported`);
    const { input, snapshot } = await entry.prepare();
    const before = await snapshot();
    const deniedBefore = await prisma.auditEvent.count({
      where: { action: fn.actionName, outcome: "denied" },
    });
    signInAs(who);
    // Anonymous refusals are written up to a number per client address and minute: give each
    // its own address, so every one of them is written.
    const address = who === "anonymous" ? `198.18.0.${anonymousCalls++ % 250}` : "203.0.113.7";
    requestContext.headers.set(CLIENT_ADDRESS_HEADER, address);
    const result = await fn(input).finally(() =>
      requestContext.headers.set(CLIENT_ADDRESS_HEADER, "203.0.113.7"),
    );
    if (entry.allowed.includes(who)) {
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
      if (entry.readOnly) expect(await snapshot()).toEqual(before);
      else expect(await snapshot()).not.toEqual(before);
    } else {
      expect(result).toMatchObject({
        ok: false,
        error: { code: who === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN" },
      });
      expect(await snapshot(), "a denied call changes nothing").toEqual(before);
      const denial = await prisma.auditEvent.findFirst({
        where: { action: fn.actionName, outcome: "denied" },
        orderBy: { at: "desc" },
      });
      expect(
        await prisma.auditEvent.count({ where: { action: fn.actionName, outcome: "denied" } }),
      ).toBe(deniedBefore + 1);
      expect(denial?.actorId ?? null).toBe(who === "anonymous" ? null : users[who]);
      expect(denial?.clientIp).toBe(address);
      expect(denial?.reason).toBeTruthy();
    }
  });
});

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(full);
    return e.name === "route.ts" ? [full] : [];
  });
}

const MUTATING_ROUTES: Record<string, { methods: string[] }> = {
  "src/app/api/v1/models/[model]/versions/route.ts": { methods: ["POST"] },
  "src/app/api/v1/chaos/route.ts": { methods: ["POST"] },
  "src/app/api/v1/chaos/[id]/route.ts": { methods: ["DELETE"] },
  "src/app/api/v1/slos/route.ts": { methods: ["POST"] },
  "src/app/api/v1/slos/[name]/route.ts": { methods: ["PUT", "DELETE"] },
  "src/app/api/v1/slos/import/route.ts": { methods: ["POST"] },
  "src/app/api/v1/alerts/alertmanager/route.ts": { methods: ["POST"] },
  // the drain actions' services over HTTP: tests/integration/traffic/drains-api.test.ts as a
  // team's token, another team's engineer, a viewer and without credentials
  "src/app/api/v1/drains/route.ts": { methods: ["POST"] },
  "src/app/api/v1/drains/[id]/route.ts": { methods: ["POST"] },
  // admins only, tokens refused: tests/integration/config/api.test.ts as each caller
  "src/app/api/v1/config/apply/route.ts": { methods: ["POST"] },
  // no session or token: PagerDuty's signature under the channel's secret authenticates it
  // (tests/integration/notifications/delivery.test.ts: a wrong one is refused and audited)
  "src/app/api/v1/notifications/pagerduty/[channelId]/route.ts": { methods: ["POST"] },
};

describe("the authorization table covers every mutating API route", () => {
  it("lists every route that exports POST, PUT, PATCH or DELETE", () => {
    const found: Record<string, string[]> = {};
    for (const file of routeFiles(path.join(ROOT, "src/app/api"))) {
      const rel = path.relative(ROOT, file);
      if (rel.startsWith("src/app/api/auth/")) continue; // Auth.js's own handlers
      const source = readFileSync(file, "utf8");
      const methods = ["POST", "PUT", "PATCH", "DELETE"].filter((m) =>
        new RegExp(`export (const|async function|function) ${m}\\b`).test(source),
      );
      if (methods.length) found[rel] = methods;
    }
    expect(found).toEqual(
      Object.fromEntries(Object.entries(MUTATING_ROUTES).map(([k, v]) => [k, v.methods])),
    );
  });
});

describe("POST /api/v1/models/{model}/versions as each caller", () => {
  const hex = (n: number, c: string) => c.repeat(n);
  const body = (version: string, digitChar: string) => ({
    version,
    imageDigest: `registry.example.com/ranker-xl@sha256:${hex(64, digitChar)}`,
    baseImageDigest: `registry.example.com/serving-base@sha256:${hex(64, "b")}`,
    artifactUri: `s3://ml-artifacts/ranker-xl/${version}/model.safetensors`,
    trainingRunId: "run-authz",
    datasetDigest: `sha256:${hex(64, "d")}`,
    codeCommit: hex(40, "c"),
    evalMetrics: { "ndcg@10": 0.73 },
  });
  const post = (headers: Record<string, string>, payload: unknown) =>
    versionsRoute.POST(
      new NextRequest("http://localhost:3000/api/v1/models/ranker-xl/versions", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(payload),
      }),
      { params: Promise.resolve({ model: "ranker-xl" }) },
    );
  const sameOrigin = { origin: "http://localhost:3000" };
  const digits = "0123456789abcdef";
  let n = 0;

  it.each(ACTORS)("session as %s", async (who) => {
    signInAs(who);
    const version = `9.${n}.0-${who}`;
    const payload = body(version, digits[n++ % 16] ?? "0");
    const res = await post(sameOrigin, payload);
    const stored = await prisma.modelVersion.count({ where: { version } });
    if (who === "release_manager" || who === "admin") {
      expect(res.status).toBe(201);
      expect(stored).toBe(1);
      await prisma.modelVersion.deleteMany({ where: { version } });
    } else {
      expect(res.status).toBe(who === "anonymous" ? 401 : 403);
      expect(stored).toBe(0);
      const denial = await prisma.auditEvent.findFirst({
        where: { action: "model_version.register", outcome: "denied" },
        orderBy: { at: "desc" },
      });
      expect(denial?.actorId ?? null).toBe(who === "anonymous" ? null : users[who]);
    }
  });

  it("refuses a foreign origin and a request with neither origin nor token, storing nothing", async () => {
    signInAs("admin");
    const payload = body("9.99.0-csrf", "e");
    expect((await post({ origin: "https://evil.example" }, payload)).status).toBe(403);
    expect((await post({}, payload)).status).toBe(403);
    expect(await prisma.modelVersion.count({ where: { version: "9.99.0-csrf" } })).toBe(0);
  });
});

describe("POST /api/v1/slos/import as each caller", () => {
  const post = (body: string, type = "application/yaml") =>
    sloImportRoute.POST(
      new NextRequest("http://localhost:3000/api/v1/slos/import", {
        method: "POST",
        headers: { "content-type": type, origin: "http://localhost:3000" },
        body,
      }),
      { params: Promise.resolve({}) },
    );

  it.each(ACTORS)("session as %s", async (who) => {
    signInAs(who);
    const name = unique("authz-route-import");
    const res = await post(sloYaml(name));
    const stored = await prisma.slo.count({ where: { name } });
    if (who === "engineer" || who === "release_manager" || who === "admin") {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ created: [name], updated: [], unchanged: [] });
      expect(stored).toBe(1);
    } else {
      expect(res.status).toBe(who === "anonymous" ? 401 : 403);
      expect(stored).toBe(0);
    }
  });

  it("answers bad documents with 422 naming the document and field, storing nothing", async () => {
    signInAs("engineer");
    const name = unique("authz-bad-import");
    const res = await post(`${sloYaml(name)}---\n${sloYaml(`${name}-2`).replace("0.999", "1.5")}`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(new RegExp(`SLO/${name}-2`));
    expect(body.error.message).toMatch(/objective/);
    expect(await prisma.slo.count({ where: { name: { startsWith: name } } })).toBe(0);
    expect((await post("kind: [unclosed")).status).toBe(422);
    expect((await post("{}", "application/x-www-form-urlencoded")).status).toBe(422);
  });
});

describe("POST /api/v1/chaos and DELETE /api/v1/chaos/{id} as each caller", () => {
  const req = (method: string, url: string, body?: unknown) =>
    new NextRequest(url, {
      method,
      headers: { "content-type": "application/json", origin: "http://localhost:3000" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it.each(ACTORS)("as %s", async (who) => {
    signInAs(who);
    const reason = unique(`api-${who}`);
    const res = await chaosRoute.POST(
      req("POST", "http://localhost:3000/api/v1/chaos", {
        kind: "latency_injection",
        region: "eu-west-1",
        percent: 20,
        durationMinutes: 1,
        reason,
      }),
      { params: Promise.resolve({}) },
    );
    const stored = await prisma.chaosExperiment.findFirst({ where: { reason } });
    if (who === "admin") {
      expect([200, 201]).toContain(res.status);
      const created = await res.json();
      const stop = await chaosStopRoute.DELETE(
        req("DELETE", `http://localhost:3000/api/v1/chaos/${created.id}`),
        {
          params: Promise.resolve({ id: created.id }),
        },
      );
      expect(stop.status).toBe(200);
      expect((await stop.json()).stoppedAt).not.toBeNull();
    } else {
      expect(res.status).toBe(who === "anonymous" ? 401 : 403);
      expect(stored).toBeNull();
    }
  });
});
