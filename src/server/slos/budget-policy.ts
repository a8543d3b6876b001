import "server-only";
import { lockRow, type Db as Client } from "@/server/db/tx";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { budgetGate, type BudgetGate } from "@/lib/domain/slos/budget";
import { AppError } from "@/server/errors";
import { appendAudit } from "@/server/db/audit";
import { assertAllowed, isAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import type { RequestMeta } from "@/server/http/request-meta";

/** The error-budget policy of a service (a model) and which of its SLOs are out of budget. */
export interface BudgetPolicyState {
  model: string;
  policy: "enforce" | "advisory";
  /** SLOs whose budget is spent */
  exhausted: string[];
  /** SLOs at risk (little budget left, or burning fast) */
  atRisk: string[];
}

/** Policy state of several services at once, from the SLO snapshots (one query). */
export async function budgetPolicyStates(
  modelNames: string[],
  client: Client = db(),
): Promise<Map<string, BudgetPolicyState>> {
  const models = await client.model.findMany({
    where: { name: { in: modelNames } },
    select: {
      name: true,
      budgetPolicy: true,
      slos: {
        where: { snapshot: { status: { in: ["exhausted", "at_risk"] } } },
        orderBy: { name: "asc" },
        select: { name: true, snapshot: { select: { status: true } } },
      },
    },
  });
  return new Map(
    models.map((m) => [
      m.name,
      {
        model: m.name,
        policy: m.budgetPolicy,
        exhausted: m.slos.filter((s) => s.snapshot?.status === "exhausted").map((s) => s.name),
        atRisk: m.slos.filter((s) => s.snapshot?.status === "at_risk").map((s) => s.name),
      },
    ]),
  );
}

/**
 * Applies the policy to a change of `model` (a rollout now, promotions later): throws when
 * refused, and returns the override to record when an admin pushed a fix through.
 */
export async function enforceBudgetPolicy(
  client: Client,
  actor: Actor,
  model: string,
  change: { fix: boolean; overrideReason: string | null },
): Promise<Extract<BudgetGate, { allowed: true }>> {
  const state = (await budgetPolicyStates([model], client)).get(model);
  const decision = budgetGate({
    policy: state?.policy ?? "enforce",
    exhausted: state?.exhausted ?? [],
    fix: change.fix,
    admin: isAllowed(actor, "policy.override"),
    overrideReason: change.overrideReason,
  });
  if (!decision.allowed) throw new AppError("FORBIDDEN", decision.reason);
  return decision;
}

/** Whether the actor may change services' error-budget policies (admins). */
export function canSetBudgetPolicy(actor: Actor | null): boolean {
  return isAllowed(actor, "settings.manage");
}

/**
 * Sets a service's error-budget policy. Setting the policy it already has changes nothing and
 * writes no audit record, so a double-click is harmless.
 */
export async function setBudgetPolicy(
  actor: Actor | null,
  meta: RequestMeta,
  input: { model: string; policy: "enforce" | "advisory"; reason: string },
): Promise<{ model: string; policy: "enforce" | "advisory"; changed: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const id = await lockRow(tx, "Model", { name: input.model });
    const model = id
      ? await tx.model.findUnique({ where: { id }, select: { id: true, budgetPolicy: true } })
      : null;
    if (!model) throw new AppError("NOT_FOUND", `No model named ${input.model}.`);
    if (model.budgetPolicy === input.policy) {
      return { model: input.model, policy: input.policy, changed: false };
    }
    await tx.model.update({ where: { id: model.id }, data: { budgetPolicy: input.policy } });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "budget_policy.update",
      targetType: "model",
      targetId: model.id,
      outcome: "allowed",
      before: { budgetPolicy: model.budgetPolicy },
      after: { budgetPolicy: input.policy },
      reason: input.reason,
    });
    return { model: input.model, policy: input.policy, changed: true };
  });
}
