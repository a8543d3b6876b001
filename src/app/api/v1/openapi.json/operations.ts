import { z } from "zod";
import { version as appVersion } from "../../../../../package.json";
import type { Permission } from "@/lib/domain/access/policy";
import { sloSpecSchema } from "@/lib/domain/slos/spec";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import { ROLES } from "@/lib/domain/access/roles";
import { alertmanagerWebhookSchema } from "@/lib/domain/incidents/alertmanager";
import { auditFilterSchema } from "@/lib/schemas/audit-log";
import { CHAOS_KINDS, startChaosSchema } from "@/lib/schemas/chaos";
import { registerModelVersionSchema } from "@/lib/schemas/model-version";
import { promotionListQuerySchema } from "@/lib/schemas/promotions";
import { searchQuerySchema, searchResponseSchema } from "@/lib/schemas/search";
import { drainPlanOptionsSchema, startDrainSchema } from "@/lib/schemas/traffic";
import { drainCommandBodySchema } from "@/lib/schemas/traffic-api";
import { trainingListQuerySchema } from "@/lib/schemas/training-api";
import { apiPageSchema } from "@/lib/schemas/list-query";
import { capacityFilterSchema, placementQuerySchema } from "@/lib/schemas/capacity";
import { configApplyQuerySchema, configApplyResultSchema } from "@/lib/schemas/config";
import { fleetConfigSchema } from "@/lib/domain/config/schema";
import { notificationWebhookBodySchema, pagerDutyWebhookSchema } from "@/lib/schemas/notifications";
import { REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER } from "@/lib/domain/notifications/delivery";
import {
  buildOpenApiDocument,
  named,
  type ApiOperation,
  type ApiWebhook,
  type OpenApiDocument,
} from "@/lib/schemas/openapi";
import {
  burnRateWindowsSchema,
  DEFAULT_BURN_RATE_WINDOWS,
  sloExportQuerySchema,
  sloImportSchema,
  sloListQuerySchema,
  sloOverrideReasonSchema,
  sloUpdateBodySchema,
  sloVersionSchema,
} from "@/lib/schemas/slos";

/**
 * The registry of /api/v1 operations behind GET /api/v1/openapi.json: one small entry per route
 * and method in API_OPERATIONS. Request schemas are the very objects the routes parse with
 * (wrap one in `named()` to publish it under components.schemas); a unit test fails when a
 * route file has no entry here, or an entry has no route.
 */

/**
 * Response bodies are TypeScript types on the server, not zod schemas, so the few worth
 * publishing are written down here; a unit test compares their keys with the service types.
 */
// format only: z.iso.datetime() would publish a long pattern that adds nothing for readers
const timestamp = z.string().meta({ format: "date-time" });
export const responseSchemas = {
  modelVersion: registerModelVersionSchema.extend({
    id: z.string(),
    model: z.string().describe("the model's name"),
    createdBy: z.string().describe('the registering user\'s email, or "token:<name>"'),
    createdAt: timestamp,
  }),
  me: z.object({
    kind: z.enum(["user", "token"]),
    name: z.string(),
    email: z.string().nullable().describe("null for tokens"),
    role: z.enum(ROLES).nullable().describe("null for tokens, and for users without a role"),
    team: z.string().nullable().describe("the team's name"),
    scopes: z.array(z.enum(TOKEN_SCOPES)).nullable().describe("a token's scopes; null for users"),
  }),
  /** what GET answers and PUT takes: the definition and the version it was read at */
  versionedSlo: z.intersection(sloSpecSchema, sloUpdateBodySchema),
  sloImportResult: z.object({
    created: z.array(z.string()),
    updated: z.array(z.string()),
    unchanged: z.array(z.string()),
  }),
  chaosExperiment: z.object({
    id: z.string(),
    kind: z.enum(CHAOS_KINDS),
    region: z.string(),
    magnitude: z.number().describe("the requested percent / 100"),
    startedAt: timestamp,
    endsAt: timestamp,
    stoppedAt: timestamp.nullable(),
    reason: z.string(),
    createdBy: z.string().describe("the starting user's email"),
    alreadyRunning: z
      .boolean()
      .optional()
      .describe("on start: true when this kind was already running in the region"),
  }),
  alertResults: z.object({
    alerts: z.array(
      z.object({
        fingerprint: z.string(),
        status: z.enum(["firing", "resolved"]),
        outcome: z
          .enum(["opened", "updated", "attached", "duplicate", "ignored", "refused"])
          .describe(
            "opened a new incident; updated the open incident holding the fingerprint; attached " +
              "to the open incident of the SLO the alert names; duplicate of what is recorded; " +
              "ignored (e.g. resolved with no open incident); refused (it names another team's " +
              "model or SLO, or its incident affects another team's model: `reason` says which)",
          ),
        incident: z.int().nullable().describe("the incident's number"),
        reason: z.string().optional(),
      }),
    ),
  }),
  configApplyResult: configApplyResultSchema,
  regions: z.object({
    readAt: timestamp,
    regions: z.array(
      z.object({
        region: z.string(),
        name: z.string(),
        clusters: z.array(z.string()),
        rps: z.number().describe("production requests per second served"),
        errorRate: z.number().nullable().describe("request-weighted share of 5xx, 0..1"),
        p99Ms: z.number().nullable(),
        headroom: z
          .number()
          .nullable()
          .describe(
            "more traffic the region can take (share of what it serves) before its models reach what their autoscalers and free GPUs allow",
          ),
        freeGpus: z.int(),
        models: z.int(),
        drainedModels: z.int().describe("models whose dial here is under 100"),
        drain: z
          .object({ id: z.string(), kind: z.enum(["drain", "failover"]), phase: z.string() })
          .nullable(),
      }),
    ),
    models: z.array(
      z.object({
        model: z.string(),
        team: z.string(),
        regions: z.array(
          z.object({
            region: z.string(),
            share: z.number().describe("share of the model's global production traffic, 0..1"),
            rps: z.number(),
            dial: z.number().describe("percent of the region's own users' traffic it keeps"),
            readyReplicas: z.int(),
            errorRate: z.number().nullable(),
            p99Ms: z.number().nullable(),
          }),
        ),
      }),
    ),
    errors: z.array(z.string()),
  }),
  drainPlan: z.object({
    plan: z.object({
      region: z.string(),
      headroom: z.number(),
      verdict: z.enum(["safe", "tight", "impossible"]),
      counts: z.object({ safe: z.int(), tight: z.int(), impossible: z.int() }),
      models: z.array(
        z
          .object({
            model: z.string(),
            team: z.string(),
            verdict: z.enum(["safe", "tight", "impossible"]),
            drainedRps: z.number(),
            reasons: z.array(z.string()),
            receiving: z.array(z.record(z.string(), z.unknown())),
          })
          .describe(
            "per receiving region: traffic now and after, replicas now and needed, autoscaler max, GPUs, headroom, verdict and reason",
          ),
      ),
    }),
    forbidden: z.array(z.string()).describe("models of the plan the caller may not move"),
    openDrain: z.object({ id: z.string(), phase: z.string() }).nullable(),
    errors: z.array(z.string()),
  }),
  drainSummary: z.object({
    id: z.string(),
    region: z.string().describe("the drained region"),
    kind: z.enum(["drain", "failover"]),
    scope: z.string().describe('"every model", "team <name>", or the model\'s name'),
    phase: z.enum(["draining", "drained", "undraining", "undrained"]),
    paused: z.boolean(),
    pauseReason: z.string().nullable(),
    blockedReason: z
      .string()
      .nullable()
      .describe("what the engine waits for before the next step (it tries again)"),
    step: z.int().describe("the index in `steps` applied last; -1 before the first"),
    steps: z.array(z.int()).describe("percent of the region's traffic moved at each step"),
    models: z.int().describe("how many models the drain moves"),
    createdBy: z.string().describe('the starting user\'s email, or "token:<name>"'),
    createdAt: timestamp,
    endedAt: timestamp.nullable(),
    version: z.int().describe("send it back as `expectedVersion` with a command"),
  }),
  page: z.object({
    rows: z.array(z.unknown()),
    total: z.int(),
    totalIsLowerBound: z
      .boolean()
      .optional()
      .describe(
        "true when counting stopped early (the audit log, past 10,000): `total - 1` is a lower bound",
      ),
    page: z.int(),
    pageSize: z.int(),
    pageCount: z.int(),
  }),
};

const autoscalerBounds = z
  .object({ min: z.int(), max: z.int() })
  .nullable()
  .describe("an autoscaler's minimum and maximum replicas");

/** One drain (GET /api/v1/drains/{id}); the start and the commands answer it too. */
export const drainResponseSchema = responseSchemas.drainSummary.extend({
  reason: z.string().nullable(),
  headroom: z.int().describe("percent of headroom each receiving region was to keep"),
  stepSeconds: z.int().describe("how long each step holds, with analysis, before the next"),
  stepAppliedAt: timestamp.nullable(),
  waitingSince: timestamp.nullable(),
  canAct: z.boolean().describe("whether the caller may pause, resume or undrain it"),
  plan: z
    .array(
      z.object({
        model: z.string(),
        verdict: z.enum(["safe", "tight", "impossible"]),
        reasons: z.array(z.string()),
        dialsBefore: z
          .record(z.string(), z.number())
          .describe("every region's traffic dial before the drain"),
        receiving: z.array(
          z.object({
            region: z.string(),
            cluster: z.string(),
            replicasBefore: z.int(),
            replicasNeeded: z.int(),
            autoscalerBefore: autoscalerBounds,
            autoscalerSet: autoscalerBounds.describe(
              "the bounds the drain set ahead of traffic (restored on undrain); null: unchanged",
            ),
            baseline: z.object({
              errorRate: z.number().nullable(),
              p99Ms: z.number().nullable(),
            }),
          }),
        ),
      }),
    )
    .describe("each model's capacity check and autoscaler changes as the drain started"),
  events: z
    .array(
      z.object({
        at: timestamp,
        kind: z.string(),
        message: z.string(),
        actor: z.string().nullable(),
      }),
    )
    .describe("the timeline, newest first (the last 200)"),
});

const ModelVersionRegistration = named("ModelVersionRegistration", registerModelVersionSchema);
const ModelVersion = named("ModelVersion", responseSchemas.modelVersion);
const Me = named("Me", responseSchemas.me);
const SearchResults = named("SearchResults", searchResponseSchema);
const Regions = named("Regions", responseSchemas.regions);
const DrainPlan = named("DrainPlan", responseSchemas.drainPlan);
const DrainStart = named("DrainStart", startDrainSchema);
const DrainCommand = named("DrainCommand", drainCommandBodySchema);
const Drain = named("Drain", drainResponseSchema);
const DrainStarted = named(
  "DrainStarted",
  drainResponseSchema.extend({
    alreadyRunning: z
      .boolean()
      .describe("true when this drain was already in progress: nothing new was started"),
  }),
);
const DrainCommandResult = named(
  "DrainCommandResult",
  drainResponseSchema.extend({
    changed: z.boolean().describe("false when the command was already in force"),
  }),
);
const DrainList = named("DrainList", z.object({ drains: z.array(responseSchemas.drainSummary) }));
const SloDefinition = named("SloDefinition", sloSpecSchema);
const VersionedSloDefinition = named("VersionedSloDefinition", responseSchemas.versionedSlo);
const SloImport = named("SloImport", sloImportSchema);
const SloImportResult = named("SloImportResult", responseSchemas.sloImportResult);
const ChaosStart = named("ChaosStart", startChaosSchema);
const ChaosExperiment = named("ChaosExperiment", responseSchemas.chaosExperiment);
const ChaosExperimentList = named("ChaosExperimentList", z.array(responseSchemas.chaosExperiment));
const Page = named("Page", responseSchemas.page);
const AlertmanagerWebhook = named("AlertmanagerWebhook", alertmanagerWebhookSchema);
const AlertResults = named("AlertResults", responseSchemas.alertResults);

const FleetConfig = named("FleetConfig", fleetConfigSchema);
const ConfigApplyResult = named("ConfigApplyResult", responseSchemas.configApplyResult);

const PagerDutyWebhook = named("PagerDutyWebhook", pagerDutyWebhookSchema);
const NotificationWebhook = named("NotificationWebhook", notificationWebhookBodySchema);

const YAML = ["application/yaml"] as const;
const sloName = "The SLO's name, e.g. ranker-xl-availability.";

export const API_OPERATIONS: ApiOperation<Permission>[] = [
  // Models
  {
    method: "POST",
    path: "/api/v1/models/{model}/versions",
    operationId: "registerModelVersion",
    summary: "Register a model version",
    description:
      "CI registers an immutable build of a model with its lineage. Images are referenced by " +
      "digest (`registry/repo@sha256:<64 hex>`), never by a mutable tag; the dataset digest, " +
      "training run, code commit and evaluation metrics are all required. Idempotent: " +
      "registering the same version with the same image digest again answers 200 with the " +
      "existing version, so a retried CI job is safe. Only the model's team (or an admin) may " +
      "register.",
    tags: ["Models"],
    access: { permission: "model.register" },
    pathParams: { model: "The model's name, e.g. ranker-xl." },
    body: { schema: ModelVersionRegistration },
    responses: {
      201: { description: "Registered.", schema: ModelVersion },
      200: {
        description: "This version was already registered with this image digest; nothing changed.",
        schema: ModelVersion,
      },
    },
    errors: {
      404: "No model of that name.",
      409: "The version is already registered with a different image digest (versions are immutable), or the image digest is already registered as another version.",
      422: "The body is not JSON or fails validation; `error.fields` names each field.",
    },
  },

  // SLOs
  {
    method: "GET",
    path: "/api/v1/slos",
    operationId: "listSlos",
    summary: "List SLOs",
    description:
      "SLOs with their current error budget, 20 per page. Malformed filters are ignored rather " +
      "than refused, as on the SLOs page.",
    tags: ["SLOs"],
    access: { permission: "fleet.read" },
    query: sloListQuerySchema,
    queryDescriptions: {
      region: "Only SLOs of deployments in this region, e.g. us-east-1.",
      env: "Only this environment tier.",
      page: "The page, from 1.",
      status: "Only SLOs in this state.",
      team: "Only this owner team (slug).",
      service: "Only this service (model name).",
      group: "How the SLOs page groups rows; the API answers the same rows.",
    },
    responses: {
      200: {
        description:
          "A page of SLO definitions, each with `id`, `summary`, and `noData`: why its SLI's " +
          "latest minutes had no data (`reason`, `since`), or null.",
        schema: Page,
      },
    },
  },
  {
    method: "POST",
    path: "/api/v1/slos",
    operationId: "createSlo",
    summary: "Create an SLO",
    description:
      "Creates one SLO. Submitting the same definition again answers 200 with the existing one. " +
      "With Prometheus as the metrics source, a latency threshold must be a bucket boundary of " +
      "its request-duration histogram (422 lists them; 503 when Prometheus does not answer).",
    tags: ["SLOs"],
    access: { permission: "slo.manage" },
    body: { schema: SloDefinition },
    responses: {
      201: { description: "Created.", schema: VersionedSloDefinition },
      200: { description: "An identical SLO already exists.", schema: VersionedSloDefinition },
    },
    errors: {
      409: "A different SLO of that name exists.",
      422:
        "The body is not JSON, fails validation, names an unknown service or team, or a latency " +
        "threshold Prometheus cannot count at.",
      503: "Prometheus did not answer, so a latency threshold could not be checked.",
    },
  },
  {
    method: "GET",
    path: "/api/v1/slos/{name}",
    operationId: "getSlo",
    summary: "Get an SLO definition",
    description: "The definition with the `version` to send back when editing or deleting it.",
    tags: ["SLOs"],
    access: { permission: "fleet.read" },
    pathParams: { name: sloName },
    responses: { 200: { description: "The definition.", schema: VersionedSloDefinition } },
    errors: { 404: "No SLO of that name." },
  },
  {
    method: "PUT",
    path: "/api/v1/slos/{name}",
    operationId: "updateSlo",
    summary: "Edit an SLO",
    description:
      "Replaces the definition. Send the `version` you read: if the SLO changed since, nothing " +
      "is written and the answer is 409. Sending what is already stored succeeds without a " +
      "change. While the SLO's budget is spent and its service's policy is enforce, an edit " +
      "that would lift the release hold (what it measures, a lower objective, another window or " +
      "budgeting method) is refused (403) unless an admin sends `overrideReason`, which is " +
      "audited. " +
      "With Prometheus as the metrics source, a latency threshold must be a bucket boundary of " +
      "its request-duration histogram (422 lists them; 503 when Prometheus does not answer).",
    tags: ["SLOs"],
    access: { permission: "slo.manage" },
    pathParams: { name: sloName },
    body: { schema: VersionedSloDefinition },
    responses: { 200: { description: "The stored definition.", schema: VersionedSloDefinition } },
    errors: {
      404: "No SLO of that name.",
      409: "The SLO changed since `version`.",
      422:
        "The body is not JSON, fails validation, or renames the SLO; or an admin's edit that " +
        "lifts a budget release hold has no `overrideReason`.",
      503: "Prometheus did not answer, so a latency threshold could not be checked.",
    },
  },
  {
    method: "DELETE",
    path: "/api/v1/slos/{name}",
    operationId: "deleteSlo",
    summary: "Delete an SLO",
    description:
      "Deletes the SLO and its history. While its budget is spent and its service's policy is " +
      "enforce, deleting it would lift the release hold: only an admin can, with `overrideReason`.",
    tags: ["SLOs"],
    access: { permission: "slo.manage" },
    pathParams: { name: sloName },
    queryParams: {
      version: {
        schema: sloVersionSchema,
        description: "The version you read; a changed SLO is not deleted.",
        required: true,
      },
      overrideReason: {
        schema: sloOverrideReasonSchema,
        description: "An admin's reason for deleting an SLO that freezes its service (audited).",
      },
    },
    responses: { 204: { description: "Deleted." } },
    errors: {
      404: "No SLO of that name (or it is already deleted).",
      409: "The SLO changed since `version`.",
      422:
        "`version` is missing or not a positive integer, or an admin's deletion that lifts a " +
        "budget release hold has no `overrideReason`.",
    },
  },
  {
    method: "GET",
    path: "/api/v1/slos/{name}/burn-rate",
    operationId: "getSloBurnRate",
    summary: "Burn rate over trailing windows",
    description:
      "The SLO's burn rate now over each window, with the good and total events behind it; " +
      "null for a window without traffic.",
    tags: ["SLOs"],
    access: { permission: "fleet.read" },
    pathParams: { name: sloName },
    queryParams: {
      windows: {
        schema: burnRateWindowsSchema,
        description: `Comma-separated windows of 1m to 7d, at most 10 (default ${DEFAULT_BURN_RATE_WINDOWS}).`,
      },
    },
    responses: { 200: { description: "`{ slo, at, windows: [{ minutes, burnRate, … }] }`." } },
    errors: { 404: "No SLO of that name.", 422: "`windows` is malformed or out of range." },
  },
  {
    method: "GET",
    path: "/api/v1/slos/{name}/rules",
    operationId: "getSloRules",
    summary: "Prometheus rules of an SLO",
    description: "Recording and multi-window burn-rate alerting rules, ready for `promtool`.",
    tags: ["SLOs"],
    access: { permission: "fleet.read" },
    pathParams: { name: sloName },
    responses: { 200: { description: "A Prometheus rules file.", mediaTypes: YAML } },
    errors: { 404: "No SLO of that name.", 422: "Rules cannot be generated for this SLO." },
  },
  {
    method: "GET",
    path: "/api/v1/slos/export",
    operationId: "exportSlos",
    summary: "Export SLOs as YAML",
    description: "Multi-document YAML of the matching SLOs, or their Prometheus rules.",
    tags: ["SLOs"],
    access: { permission: "fleet.read" },
    query: sloExportQuerySchema,
    queryDescriptions: {
      format: "OpenSLO v1, Flightdeck's own documents, or Prometheus rules.",
      team: "Only this owner team (slug).",
      service: "Only this service (model name).",
      names: "Only these SLOs, comma-separated.",
    },
    responses: { 200: { description: "YAML documents.", mediaTypes: YAML } },
    errors: { 404: "No SLO matches.", 422: "A query parameter is invalid." },
  },
  {
    method: "POST",
    path: "/api/v1/slos/import",
    operationId: "importSlos",
    summary: "Import SLOs from YAML",
    description:
      "Applies OpenSLO v1 and/or Flightdeck SLO documents, all or none: new names are created, " +
      "changed ones updated, identical ones left alone, so importing a file twice changes " +
      "nothing. Send the YAML itself (application/yaml or text/plain), or JSON `{ yaml }`. " +
      "Changes that would lift an error-budget release hold are refused (403 for the team; admins " +
      "change such an SLO itself, with a reason).",
    tags: ["SLOs"],
    access: { permission: "slo.manage" },
    body: { schema: SloImport, textMediaTypes: [...YAML, "text/plain"] },
    responses: { 200: { description: "The SLO names by outcome.", schema: SloImportResult } },
    errors: {
      413: "The body is larger than 1 MiB.",
      422:
        "The YAML is invalid (the message names each document and field), or holds a latency " +
        "threshold Prometheus cannot count at.",
      503: "Prometheus did not answer, so a latency threshold could not be checked.",
    },
  },
  {
    method: "GET",
    path: "/api/v1/slos/review",
    operationId: "getSloReview",
    summary: "SLO review of a month or quarter",
    description:
      "Every SLO's attainment against its objective in the period, the change from the period " +
      "before, and the budget spent on incidents and rollouts, per team and service; in JSON " +
      "also `incidentResponse`: MTTA and MTTR of the period's incidents by severity and team; " +
      "`summary`: the one-page executive summary (SLOs met and missed, budget spent by team, the " +
      "five worst offenders with the spend split between incidents, rollouts and other, incidents " +
      "by severity, MTTA and MTTR, the delivery figures, and each team's share of SLOs met over " +
      "the last four periods), each figure with the period before's; and `deliveryByTeam`: " +
      "DORA-style delivery figures per team (deployment frequency, lead time, change failure " +
      "rate, time to restore). The CSV holds one line per SLO, then the summary's sections " +
      "(`summary`, `summary_teams`, `summary_worst`, `summary_trend`, `delivery_by_team`), each " +
      "after a blank line with its own header.",
    tags: ["SLOs"],
    access: { permission: "fleet.read" },
    queryParams: {
      // read without a schema: an unknown period falls back to the current one
      period: {
        schema: z.string(),
        description: "A month (2026-10) or quarter (2026-Q3); otherwise the current period.",
      },
      format: { schema: z.enum(["json", "csv"]), description: "CSV instead of JSON." },
    },
    responses: {
      200: { description: "The review.", mediaTypes: ["application/json", "text/csv"] },
    },
  },

  // Rollouts
  {
    method: "GET",
    path: "/api/v1/rollouts/{id}",
    operationId: "getRollout",
    summary: "Get a rollout",
    description:
      "One rollout with its steps, waves, analysis, history and live traffic, and the canary " +
      "versus baseline series (`{ rollout, series }`): error rate and p99 latency over " +
      "`series.window` (the rollout's life, at most its last hour, and a little past its end), " +
      "from the metrics source and the analysis intervals recorded then, so a finished " +
      "rollout's canary stays for the time it served; `failed` marks an interval that judged " +
      "the canary over its limit.",
    tags: ["Rollouts"],
    access: { permission: "fleet.read" },
    pathParams: { id: "The rollout's id." },
    responses: { 200: { description: "The rollout and its comparison series." } },
    errors: { 404: "No rollout with that id." },
  },

  // Incidents
  {
    method: "POST",
    path: "/api/v1/alerts/alertmanager",
    operationId: "receiveAlertmanagerWebhook",
    summary: "Receive Alertmanager alerts",
    description:
      "Point an Alertmanager `webhook_configs` receiver here with `http_config.authorization` " +
      "holding a token with the `incident.work` scope. Each firing alert opens an incident " +
      "(severity from `flightdeck_severity`, else `severity`/`sloth_severity`; model from " +
      "`model`/`service`, region from `region`, SLO from `slo`), or updates the open incident " +
      "already holding its fingerprint (raising its severity, or reopening investigation when " +
      "it fires again after mitigation). An alert naming an SLO with an open incident joins it. " +
      "A team's token works only its own team's incidents: an alert naming another team's model " +
      "or SLO, or held by an incident of another team's model, is refused (outcome `refused`, " +
      "audited) while the rest of the notification is processed. Alerts naming no model are " +
      "anyone's. " +
      "Repeated notifications change nothing; a resolved alert adds a timeline note (people " +
      "resolve incidents). Bodies above 512 KiB are refused.",
    tags: ["Incidents"],
    access: { permission: "incident.work" },
    body: { schema: AlertmanagerWebhook },
    responses: { 200: { description: "What each alert did.", schema: AlertResults } },
    errors: {
      413: "The body is larger than 512 KiB.",
      422: "The body is not a version 4 notification.",
    },
  },
  // Chaos
  {
    method: "GET",
    path: "/api/v1/chaos",
    operationId: "listChaosExperiments",
    summary: "List chaos experiments",
    description: "Experiments on the simulated fleet that are running or ended in the last day.",
    tags: ["Chaos"],
    access: { permission: "fleet.read" },
    responses: { 200: { description: "Newest first.", schema: ChaosExperimentList } },
  },
  {
    method: "POST",
    path: "/api/v1/chaos",
    operationId: "startChaosExperiment",
    summary: "Start a chaos experiment",
    description:
      "Degrades the simulated fleet for a while. One experiment of a kind runs per region: " +
      "starting it again answers 200 with the running one.",
    tags: ["Chaos"],
    access: { permission: "chaos.trigger" },
    body: { schema: ChaosStart },
    responses: {
      201: { description: "Started.", schema: ChaosExperiment },
      200: { description: "Already running.", schema: ChaosExperiment },
    },
    errors: {
      422: "The body fails validation, the region is unknown, or the platform is not the simulator.",
    },
  },
  {
    method: "DELETE",
    path: "/api/v1/chaos/{id}",
    operationId: "stopChaosExperiment",
    summary: "Stop a chaos experiment",
    description:
      "Stops it early; the simulated fleet heals at once. Stopping an ended one changes nothing.",
    tags: ["Chaos"],
    access: { permission: "chaos.trigger" },
    pathParams: { id: "The experiment's id." },
    responses: { 200: { description: "The experiment.", schema: ChaosExperiment } },
    errors: { 404: "No experiment with that id." },
  },

  // Configuration
  {
    method: "GET",
    path: "/api/v1/config",
    operationId: "exportConfig",
    summary: "Export the fleet configuration",
    description:
      "The fleet's teams, regions, environments, clusters, models and upcoming change freezes " +
      "as `flightdeck.yaml` (what `flightdeck export` writes). Applying it back changes nothing.",
    tags: ["Configuration"],
    access: { permission: "fleet.read" },
    responses: { 200: { description: "flightdeck.yaml.", mediaTypes: YAML } },
  },
  {
    method: "POST",
    path: "/api/v1/config/apply",
    operationId: "applyConfig",
    summary: "Apply the fleet configuration",
    description:
      "Compares `flightdeck.yaml` with the fleet and applies the difference: every change in one " +
      "transaction with one audit record (`config.apply`), or nothing. Sections the file leaves " +
      "out, and fields an object leaves out, stay as they are; objects a declared section does " +
      "not list are deleted only with `prune` (query or file), and never while anything uses " +
      "them (a model with deployments, a region with clusters…). Applying a file the fleet " +
      "already matches changes nothing and writes no audit record. Send the YAML " +
      "(application/yaml or text/plain) or the same document as JSON. See docs/configuration.md.",
    tags: ["Configuration"],
    access: { permission: "settings.manage" },
    query: configApplyQuerySchema,
    queryDescriptions: {
      dryRun: "Compare only: answer the changes and problems, write nothing.",
      prune: "Also delete what a declared section does not list (as `prune: true` in the file).",
    },
    body: { schema: FleetConfig, textMediaTypes: [...YAML, "text/plain"] },
    responses: {
      200: {
        description: "The changes, field by field, and whether they were applied.",
        schema: ConfigApplyResult,
      },
    },
    errors: {
      409: "Something started using an object the file deletes while it was applied; nothing was.",
      413: "The body is larger than 1 MiB.",
      422:
        "The file is invalid (the message names each field by its path), or a change is refused " +
        "(a deletion of something still in use, a reference to an object that does not exist); " +
        "nothing was applied.",
    },
  },
  // Audit
  {
    method: "GET",
    path: "/api/v1/audit",
    operationId: "listAuditEvents",
    summary: "Read the audit log",
    description:
      "Audit events, newest first, with the Audit page's filters: JSON pages of 20, or the whole " +
      "filtered log as CSV. Each event names its actor (`actor`: a user's name, `token:<name>`, " +
      "`system` or `anonymous`); email and client addresses are given to admins only " +
      "(`actorEmail` and `clientIp` are null, and emails elsewhere in the event are hidden, for " +
      "everyone else, whose CSV has an `actor` column instead of `actorEmail` and `clientIp`).",
    tags: ["Audit"],
    access: { permission: "fleet.read" },
    query: auditFilterSchema,
    queryDescriptions: {
      actor:
        "Actor name (or token:<name>) containing this, any case; for admins, also their email.",
      action: "Action starting with this, e.g. model_version or slo.update.",
      target: "Target type or target id.",
      outcome: "Allowed changes, or refusals.",
      from: "Start, ISO 8601 (UTC when no offset is given).",
      to: "End, ISO 8601 (UTC when no offset is given).",
    },
    queryParams: {
      page: { schema: apiPageSchema, description: "The page, from 1 (JSON only)." },
      format: { schema: z.literal("csv"), description: "The whole filtered log as CSV." },
    },
    responses: {
      200: {
        description: "A page of audit events, or CSV.",
        schema: Page,
        mediaTypes: ["application/json", "text/csv"],
      },
    },
    errors: {
      422: "A time is not a date, the range ends before it starts, or the page is not a whole number from 1 to 100000.",
    },
  },

  // Identity
  {
    method: "GET",
    path: "/api/v1/me",
    operationId: "getMe",
    summary: "Who am I",
    description: "The caller: a user session or an API token, with its role or scopes.",
    tags: ["Identity"],
    access: { permission: "fleet.read" },
    responses: { 200: { description: "The caller.", schema: Me } },
  },

  // Search
  {
    method: "GET",
    path: "/api/v1/search",
    operationId: "search",
    summary:
      "Search pages, incidents, rollouts, models, versions, promotions, SLOs, clusters and training jobs",
    description:
      "The command palette's search: up to five results of each kind, typo-tolerant on names, " +
      "each with the actions the caller may take on it now. An action's link opens the object's " +
      "page with that action's confirmation showing; nothing runs from a link.",
    tags: ["Search"],
    access: { permission: "fleet.read" },
    query: searchQuerySchema,
    responses: { 200: { description: "The results, pages first.", schema: SearchResults } },
  },

  // Regions
  {
    method: "GET",
    path: "/api/v1/regions",
    operationId: "listRegions",
    summary: "Regions and each model's traffic by region",
    description:
      "Each region's production traffic, errors, p99 latency, headroom and free GPUs, and each " +
      "model's share of its global traffic by region with the global load balancer's dials.",
    tags: ["Regions"],
    access: { permission: "fleet.read" },
    responses: { 200: { description: "Regions and traffic shares.", schema: Regions } },
  },
  {
    method: "GET",
    path: "/api/v1/regions/{region}/drain-plan",
    operationId: "planRegionDrain",
    summary: "Check whether a region can be drained",
    description:
      "The capacity check of draining a region, per model: the traffic each remaining region " +
      "must absorb, the replicas and GPUs that takes, what autoscalers and free GPUs allow, and " +
      "a verdict (safe, tight under the headroom asked, impossible). Nothing changes.",
    tags: ["Regions"],
    access: { permission: "fleet.read" },
    pathParams: { region: "The region to drain, e.g. us-east-1." },
    query: drainPlanOptionsSchema,
    queryDescriptions: {
      scope: "`all` (default), `team` or `model`.",
      name: "The team's or model's name, for those scopes.",
      headroom: "Percent of headroom each receiving region must keep (default 20).",
      raise: "Autoscaler maximums the plan raises, as model/region=max (repeat or comma-separate).",
    },
    responses: { 200: { description: "The plan.", schema: DrainPlan } },
  },
  {
    method: "GET",
    path: "/api/v1/drains",
    operationId: "listDrains",
    summary: "List drains and failovers",
    description:
      "Drains and emergency failovers not yet undrained, and those that ended in the last week, " +
      "newest first (at most 50).",
    tags: ["Regions"],
    access: { permission: "fleet.read" },
    responses: { 200: { description: "The drains.", schema: DrainList } },
  },
  {
    method: "POST",
    path: "/api/v1/drains",
    operationId: "startDrain",
    summary: "Drain a region, or fail it over",
    description:
      "Starts what the Regions page's Drain does, with the same checks and audit record " +
      "(`traffic.drain`, or `traffic.failover`). The capacity check (`GET " +
      "/api/v1/regions/{region}/drain-plan` with the same scope, headroom and raises) runs again " +
      "on the server: if a model is tight or impossible, `acknowledge: true` must say the caller " +
      "saw it, and an impossible model refuses a drain (a failover moves it anyway). `scope` " +
      "`model` or `team` needs `name`. Every model in scope must be the caller's team's (admins " +
      "any): otherwise 403 and nothing starts. A token needs the `fleet.read` scope too. The " +
      "drain engine then raises the receiving " +
      "regions' autoscalers and moves the traffic step by step; follow it with GET " +
      "/api/v1/drains/{id}. Idempotent: while the region's drain of the same kind and scope is " +
      "in progress, starting it again answers 200 with that drain (`alreadyRunning: true`).",
    tags: ["Regions"],
    access: { permission: "traffic.shift" },
    body: { schema: DrainStart },
    responses: {
      201: { description: "Started (`Location` names the drain).", schema: DrainStarted },
      200: { description: "The same drain was already in progress.", schema: DrainStarted },
    },
    errors: {
      409: "The region already has another drain or failover in progress: undrain it first.",
      422:
        "The body is not JSON or fails validation; or the region or the scope's model or team " +
        "does not exist, nothing in scope serves production in the region, a tight or " +
        "impossible model is not acknowledged, an impossible model is drained (not failed " +
        "over), or no global load balancer is configured.",
    },
  },
  {
    method: "GET",
    path: "/api/v1/drains/{id}",
    operationId: "getDrain",
    summary: "Get a drain",
    description:
      "One drain or failover: its phase, step, whether it is paused or waiting and why, the " +
      "`version` to send with a command, the capacity check and autoscaler bounds it started " +
      "with, and its timeline.",
    tags: ["Regions"],
    access: { permission: "fleet.read" },
    pathParams: { id: "The drain's id." },
    responses: { 200: { description: "The drain.", schema: Drain } },
    errors: { 404: "No drain with that id.", 422: "The id is malformed." },
  },
  {
    method: "POST",
    path: "/api/v1/drains/{id}",
    operationId: "commandDrain",
    summary: "Pause, resume or undrain a drain",
    description:
      "What the drain's page does, with the same checks and audit record (`traffic.pause`, " +
      "`traffic.resume`, `traffic.undrain`). `undrain` brings the traffic back step by step " +
      "(while draining, it aborts the drain). Send the `version` you read as " +
      "`expectedVersion`: if the drain changed since, nothing is done and the answer is 409; " +
      "read it again and decide again. A command already in force (pausing a paused drain, " +
      "undraining one that is undraining) changes nothing and answers 200 with " +
      "`changed: false`, so a retry is safe. Every model of the drain must be the caller's " +
      "team's (admins any); a token needs the `fleet.read` scope too.",
    tags: ["Regions"],
    access: { permission: "traffic.shift" },
    pathParams: { id: "The drain's id." },
    body: { schema: DrainCommand },
    responses: {
      200: { description: "The drain after the command.", schema: DrainCommandResult },
    },
    errors: {
      404: "No drain with that id.",
      409: "The drain changed since `expectedVersion`.",
      422:
        "The body is not JSON or fails validation, or the command does not apply (the drain " +
        "is over, or resuming a drain that is complete).",
    },
  },

  // Training
  {
    method: "GET",
    path: "/api/v1/training",
    operationId: "listTrainingJobs",
    summary: "List training jobs",
    description:
      "Training jobs as the Training page lists them, newest first, 20 per page: progress, " +
      "GPUs, restarts, GPU-hours lost, the last checkpoint, a resume in flight or of unknown " +
      "outcome, and whether the caller may resume the job. Unlike the page, a malformed filter " +
      "is refused (422 naming it) rather than ignored.",
    tags: ["Training"],
    access: { permission: "fleet.read" },
    query: trainingListQuerySchema,
    queryDescriptions: {
      region: "Only jobs on clusters in this region, e.g. us-east-1.",
      page: "The page, from 1.",
    },
    responses: { 200: { description: "A page of training jobs.", schema: Page } },
    errors: { 422: "`region` or `page` is malformed." },
  },
  {
    method: "GET",
    path: "/api/v1/training/{name}",
    operationId: "getTrainingJob",
    summary: "Get a training job",
    description:
      "A job's page as JSON: progress, status and resume state; its checkpoints (the newest " +
      "50, with `checkpointCount`) and interruptions (the newest 100, with " +
      "`interruptionCount`), each with its cause and what it cost (the steps and GPU-hours " +
      "lost, the time down), as of `now`; and `reliability`: goodput, " +
      "GPU-hours lost to restarts, lost work and checkpointing, the mean time between " +
      "interruptions, and the checkpoint interval advice (`advice.kind` `advice`, with the " +
      "optimum interval and a verdict, or `not_enough_data` with why).",
    tags: ["Training"],
    access: { permission: "fleet.read" },
    pathParams: { name: "The job's name, e.g. ranker-xl-train-001." },
    responses: { 200: { description: "The job, its checkpoints, interruptions and goodput." } },
    errors: { 404: "No training job of that name.", 422: "The name is malformed (too long)." },
  },

  // Capacity
  {
    method: "GET",
    path: "/api/v1/capacity",
    operationId: "getCapacity",
    summary: "GPU capacity: now, per team and over 30 days",
    description:
      "The Capacity page's figures: the fleet's GPUs now by type, region and cluster (the 25 " +
      "largest), each split into serving, training, other, idle and unavailable; pools whose " +
      "free GPUs are fragmented over partly used nodes; each team's use against its quotas, and " +
      "over 30 days its mean and peak share of quota and GPU-hours (`quotaHistory`, whole " +
      "fleet); the top consumers; and 720 hourly points of history (null where no sample was " +
      "taken; one cluster's own when filtered to it). Live figures come from the platform; " +
      "`readAt` says when.",
    tags: ["Capacity"],
    access: { permission: "fleet.read" },
    query: capacityFilterSchema,
    queryDescriptions: { region: "Only clusters in this region." },
    responses: { 200: { description: "The capacity overview." } },
  },
  {
    method: "GET",
    path: "/api/v1/capacity/placement",
    operationId: "placeGpus",
    summary: "Where can a gang of N GPUs of a type be placed",
    description:
      "Every node pool of the type, those where the gang fits now first: a gang larger than a " +
      "node needs ceil(N ÷ GPUs per node) whole free nodes, a smaller one one node with N free; " +
      "with `team`, the team's namespace on the cluster with the most quota left must have N " +
      "left. Pools that do not fit say why: fragmented (with the nodes whose GPUs would have to " +
      "move), the quota (the increase needed), new nodes needed, or too small.",
    tags: ["Capacity"],
    access: { permission: "fleet.read" },
    query: placementQuerySchema,
    responses: { 200: { description: "The pools, best first, and a one-sentence answer." } },
    errors: { 404: "No team with that slug.", 422: "The question is malformed (e.g. 0 GPUs)." },
  },

  // Promotions
  {
    method: "GET",
    path: "/api/v1/promotions",
    operationId: "listPromotions",
    summary: "List promotion requests",
    description:
      "Requests to promote a model version into staging or production, newest first, 20 per " +
      "page. Malformed filters are ignored, as on the Promotions page.",
    tags: ["Promotions"],
    access: { permission: "fleet.read" },
    query: promotionListQuerySchema,
    queryDescriptions: {
      region: "Only requests that target this region.",
      env: "Only requests into this tier.",
      page: "The page, from 1.",
      status: "Only requests in this state; `open` is pending or approved.",
      model: "Only requests for this model.",
      mine: "`1`: only the caller's own requests.",
    },
    responses: { 200: { description: "A page of promotion requests.", schema: Page } },
  },
  {
    method: "GET",
    path: "/api/v1/promotions/{number}",
    operationId: "getPromotion",
    summary: "Get a promotion request",
    description:
      "One request with its decisions and gates: checked live while the request is pending or " +
      "approved, as they stood at the decision afterwards. A pipeline follows the promotion it " +
      "asked for here, and its release through `releaseId` and `rollouts`.",
    tags: ["Promotions"],
    access: { permission: "fleet.read" },
    pathParams: { number: "The request's number, e.g. 12." },
    responses: { 200: { description: "The request, its decisions and its gates." } },
    errors: { 404: "No request with that number.", 422: "The number is not a whole number." },
  },

  // Notifications
  {
    method: "POST",
    path: "/api/v1/notifications/pagerduty/{channelId}",
    operationId: "receivePagerDutyWebhook",
    summary: "Receive PagerDuty's webhook",
    description:
      "The address of a PagerDuty V3 webhook subscription, one per PagerDuty channel (shown on " +
      "Admin → Notifications). No session or token: the request is authenticated by " +
      "`X-PagerDuty-Signature` (`v1=` HMAC-SHA256 of the body under the subscription's signing " +
      "secret, entered on the channel); a wrong signature answers 401 and is audited. " +
      "`incident.acknowledged` for an incident Flightdeck triggered (its `incident_key` is " +
      "`flightdeck-incident-<number>`) acknowledges it here, once; other events are accepted " +
      "and ignored.",
    tags: ["Notifications"],
    access: "public",
    pathParams: { channelId: "The PagerDuty channel's id." },
    body: { schema: PagerDutyWebhook },
    responses: {
      200: {
        description: "`{ outcome: acknowledged | unchanged | ignored, incident: number | null }`.",
      },
    },
    errors: {
      404: "No PagerDuty channel with that id takes acknowledgements.",
      422: "The body is not a PagerDuty V3 webhook event.",
    },
  },

  // Reference
  {
    method: "GET",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This API description",
    tags: ["Reference"],
    access: "public",
    responses: { 200: { description: "The OpenAPI 3.1 document." } },
  },
];

const TAGS = {
  Models: "Model versions registered by CI.",
  SLOs: "Service level objectives: definitions, burn rates, rules, import and export, review.",
  Rollouts: "Progressive rollouts of model versions.",
  Promotions: "Requests to promote a model version, their gates and approvals.",
  Incidents: "Incidents opened from alerts.",
  Chaos: "Failure injection into the simulated fleet.",
  Configuration: "The fleet configuration file (flightdeck.yaml): export, diff and apply.",
  Audit: "The audit log of every change and refusal.",
  Identity: "The caller's identity.",
  Search: "The command palette's search over pages and the fleet's objects.",
  Regions: "Traffic by region at the global load balancer, drain plans, and drains and failovers.",
  Training: "Training jobs: progress, checkpoints, interruptions, goodput and advice.",
  Capacity: "GPU capacity planning: the split by state, quotas, history and placement.",
  Notifications:
    "Messages Flightdeck sends to Slack, PagerDuty and signed webhooks, and PagerDuty's answers.",
  Reference: "This description.",
};

const DESCRIPTION =
  "The REST API of Flightdeck. Authenticate with a team-scoped API token " +
  "(`Authorization: Bearer fdk_…`) or, from the browser, the session cookie. Errors are JSON " +
  "`{ error: { code, message, fields?, requestId } }`; invalid input answers 422 with the " +
  "problem per field. Send `X-Request-Id` to correlate a request with the audit log.";

/** What Flightdeck sends to a signed webhook channel's URL. */
export const API_WEBHOOKS: ApiWebhook[] = [
  {
    name: "notification",
    operationId: "notificationWebhook",
    summary: "A notification (signed webhook channel)",
    description:
      "Flightdeck POSTs one event per request to a signed webhook channel's URL, in order per " +
      "subject (a rollout, a promotion, an incident, an SLO), retrying with exponential backoff " +
      "(10 s doubling to 5 min, 12 attempts) until a 2xx. A retry or an admin's redelivery " +
      "carries the same event id: deduplicate on it. Verify the signature: " +
      `\`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>\`, where <hex> is HMAC-SHA256 of ` +
      "`<t>.<raw body>` under the channel's signing secret (several `v1=` while a secret " +
      `rotates); refuse a timestamp more than ${REPLAY_WINDOW_SECONDS} s from your clock, so a ` +
      "captured request cannot be replayed.",
    tags: ["Notifications"],
    body: NotificationWebhook,
    headers: {
      [SIGNATURE_HEADER]: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`',
      "X-Flightdeck-Event-Id": "The event id (also the body's `id`).",
      "X-Flightdeck-Event-Type": "The event type (also the body's `type`).",
      "X-Flightdeck-Timestamp": "The signed timestamp, unix seconds.",
    },
    responses: {
      "2XX": "Received: not sent again.",
      "408": "Tried again later, as are 429 (after its Retry-After), 5xx and no answer.",
      "4XX": "Any other 4xx: refused, not tried again (the delivery is dead until redelivered).",
    },
  },
];

let built: OpenApiDocument | undefined;

/** Built once per process: the document only changes with a deploy. */
export function openApiDocument(): OpenApiDocument {
  built ??= buildOpenApiDocument({
    info: { title: "Flightdeck", version: appVersion, description: DESCRIPTION },
    tags: TAGS,
    operations: API_OPERATIONS,
    webhooks: API_WEBHOOKS,
  });
  return built;
}
