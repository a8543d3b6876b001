import { canonical, planSummary, type ConfigPlan, type FieldValue } from "./diff";
import {
  CONFIG_API_VERSION,
  CONFIG_KIND,
  type FleetState,
  type FreezeState,
  type ModelState,
} from "./schema";

/**
 * The fleet as a configuration document (what `flightdeck export` writes), and a plan as people
 * read it (what `flightdeck diff` prints). Applying an exported document changes nothing.
 */

export interface FreezeRow extends FreezeState {
  id: string;
}

/**
 * The change freezes the file speaks for, by name: every freeze that has not ended, and, for a
 * name no such freeze has, the last one of that name that ended (so a file naming a past freeze
 * does not add it again). Two freezes not yet ended under one name cannot be told apart.
 */
export function freezesByName(
  rows: readonly FreezeRow[],
  now: Date,
): { freezes: FreezeState[]; ids: Map<string, string>; problems: string[] } {
  const problems: string[] = [];
  const chosen = new Map<string, FreezeRow>();
  const ongoing = rows.filter((f) => f.endsAt.getTime() > now.getTime());
  for (const f of ongoing) {
    if (chosen.has(f.name)) {
      problems.push(
        `Two change freezes not yet ended are both named "${f.name}": delete one on the release policy page (or rename it there by deleting and adding it), then try again.`,
      );
      continue;
    }
    chosen.set(f.name, f);
  }
  const ended = rows
    .filter((f) => f.endsAt.getTime() <= now.getTime())
    .sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime());
  for (const f of ended) if (!chosen.has(f.name)) chosen.set(f.name, f);
  return {
    freezes: [...chosen.values()].map(({ id: _id, ...f }) => f),
    ids: new Map([...chosen].map(([name, f]) => [name, f.id])),
    problems: [...new Set(problems)],
  };
}

function modelDocument(m: ModelState) {
  return {
    name: m.name,
    displayName: m.displayName,
    task: m.task,
    description: m.description,
    team: m.team,
    budgetPolicy: m.budgetPolicy,
    evalThresholds: canonical(m.evalThresholds),
    resources: m.resources ? canonical(m.resources) : null,
    rolloutPlan: m.rolloutPlan
      ? {
          strategy: m.rolloutPlan.strategy,
          steps: kindFirst(canonical(m.rolloutPlan.steps)),
          thresholds: canonical(m.rolloutPlan.thresholds),
        }
      : null,
  };
}

/**
 * Every object, sorted by name, every field written out; freezes that already ended are
 * history and left out.
 */
export function fleetDocument(state: FleetState, now: Date): Record<string, unknown> {
  const by =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a).localeCompare(key(b));
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    teams: [...state.teams].sort(by((t) => t.slug)).map((t) => ({ slug: t.slug, name: t.name })),
    regions: [...state.regions]
      .sort(by((r) => r.code))
      .map((r) => ({ code: r.code, name: r.name })),
    environments: [...state.environments].sort(by((e) => e.name)).map((e) => ({
      name: e.name,
      tier: e.tier,
      region: e.region,
      requiredApprovals: e.requiredApprovals,
      soakMinutes: e.soakMinutes,
      promotionsOnly: e.promotionsOnly,
    })),
    clusters: [...state.clusters].sort(by((c) => c.name)).map((c) => ({
      name: c.name,
      region: c.region,
      provider: c.provider,
      k8sVersion: c.k8sVersion,
      nodePools: [...c.nodePools].sort(by((p) => p.name)).map((p) => ({
        name: p.name,
        gpuType: p.gpuType,
        gpusPerNode: p.gpusPerNode,
        minNodes: p.minNodes,
        maxNodes: p.maxNodes,
      })),
    })),
    models: [...state.models].sort(by((m) => m.name)).map(modelDocument),
    freezes: [...state.freezes]
      .filter((f) => f.endsAt.getTime() > now.getTime())
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.name.localeCompare(b.name))
      .map((f) => ({
        name: f.name,
        tier: f.tier,
        startsAt: f.startsAt.toISOString(),
        endsAt: f.endsAt.toISOString(),
        reason: f.reason,
      })),
    releaseWindows: [...state.releaseWindows].sort(by((w) => w.name)).map((w) => ({
      name: w.name,
      kind: w.kind,
      tier: w.tier,
      timeZone: w.timeZone,
      startDay: w.startDay,
      startTime: w.startTime,
      endDay: w.endDay,
      endTime: w.endTime,
      reason: w.reason,
    })),
    // Never a secret: the variables the file read them from, when a file made the channel.
    notificationChannels: [...state.notificationChannels].sort(by((c) => c.name)).map((c) => ({
      name: c.name,
      kind: c.kind,
      ...(c.endpoint ? { endpoint: c.endpoint } : {}),
      ...(c.secretFromEnv ? { secretFromEnv: c.secretFromEnv } : {}),
      ...(c.inboundSecretFromEnv ? { inboundSecretFromEnv: c.inboundSecretFromEnv } : {}),
      enabled: c.enabled,
      subscriptions: c.subscriptions.map((s) => ({
        ...(s.team ? { team: s.team } : {}),
        ...(s.model ? { model: s.model } : {}),
        ...(s.environment ? { environment: s.environment } : {}),
        events: s.events,
      })),
    })),
  };
}

const show = (v: FieldValue) => (v === null ? "(none)" : JSON.stringify(v));

/**
 * The plan as text, one line per object and per field, kubectl-diff style:
 * `+ model fraud-detector`, `~ environment production/us-east-1`, `    soakMinutes: 60 → 120`.
 */
export function formatPlan(plan: ConfigPlan): string {
  const lines: string[] = [];
  const sign = { create: "+", update: "~", delete: "-" } as const;
  for (const c of plan.changes) {
    lines.push(`${sign[c.op]} ${c.kind} ${c.name}`);
    for (const f of c.fields) {
      if (c.op === "create") lines.push(`    ${f.field}: ${show(f.after)}`);
      else if (c.op === "delete") lines.push(`    ${f.field}: ${show(f.before)}`);
      else lines.push(`    ${f.field}: ${show(f.before)} → ${show(f.after)}`);
    }
  }
  const s = planSummary(plan);
  lines.push(
    plan.changes.length === 0
      ? "No changes: the fleet already matches the file."
      : `${s.create} to create, ${s.update} to update, ${s.delete} to delete.`,
  );
  if (plan.problems.length > 0) {
    lines.push("", "Refused; nothing will be applied:");
    for (const p of plan.problems) lines.push(`  ✗ ${p}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The plan for the audit record: what changed, field by field, without the whole objects. */
export function planRecord(plan: ConfigPlan) {
  return {
    summary: planSummary(plan),
    changes: plan.changes.map((c) => ({
      kind: c.kind,
      name: c.name,
      op: c.op,
      fields: c.fields,
    })),
  };
}

/** Steps read as people write them: `kind` first, then its settings (sorted). */
function kindFirst(steps: FieldValue): FieldValue {
  if (!Array.isArray(steps)) return steps;
  return steps.map((step) =>
    step && typeof step === "object" && !Array.isArray(step) && "kind" in step
      ? { kind: step.kind, ...step }
      : step,
  );
}
