import "server-only";
import { db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import {
  applyFleetConfig,
  exportFleetConfig,
  outcomeView,
  parseConfigText,
  type ConfigOptions,
  type ConfigOutcomeView,
} from "@/server/config/apply";

// The fleet configuration for signed-in users and the API: each entry point authorizes its
// caller itself, whoever called it before.

/**
 * `POST /api/v1/config/apply`: admins only. The permission is `settings.manage`, which only
 * admins hold and API tokens can never be granted (lib/domain/access/api-tokens.ts), so a
 * leaked team token cannot rewrite the fleet.
 */
export async function applyConfigAs(
  actor: Actor | null,
  meta: RequestMeta,
  text: string,
  options: ConfigOptions,
): Promise<ConfigOutcomeView> {
  assertAllowed(actor, "settings.manage");
  const config = parseConfigText(text, "body");
  const outcome = await applyFleetConfig(
    db(),
    { ...auditActor(actor, meta), actorEmail: actor.email, createdBy: actor.id },
    config,
    options,
  );
  if (!outcome.dryRun && outcome.plan.problems.length > 0) {
    throw new AppError("INVALID_INPUT", `Nothing was applied. ${outcome.plan.problems.join(" ")}`);
  }
  return outcomeView(outcome);
}

/** `GET /api/v1/config`: everyone who reads the fleet sees these objects on its pages. */
export async function exportConfigAs(actor: Actor | null): Promise<string> {
  assertCanRead(actor);
  return (await exportFleetConfig(db())).yaml;
}
