import type { Tier } from "../models/registry";
import { freezeCovers, type FreezeWindowView } from "../promotions/gates";

/**
 * The release process for changes made directly, outside a promotion request: starting a
 * rollout from the New rollout form or the API, retrying an aborted one, or promoting one to
 * 100% past its remaining steps and analysis. Environments marked "changes only through
 * promotions" (production, by default) refuse them, and change freezes refuse direct starts as
 * they refuse promotions. The one way through is an admin marking the change as a fix, with a
 * reason that is recorded on the rollout and in the audit log.
 */

export type DirectChange = "start" | "retry" | "promote_full";

export interface DirectChangeEnvironment {
  name: string;
  tier: Tier;
  promotionsOnly: boolean;
}

export interface DirectChangeInput {
  change: DirectChange;
  environments: readonly DirectChangeEnvironment[];
  freezes: readonly FreezeWindowView[];
  now: Date;
  /** the change is marked as a fix (promote-full is always an explicit, reasoned act) */
  fix: boolean;
  admin: boolean;
  reason: string | null;
}

export type DirectChangeGate =
  { allowed: true; override: string | null } | { allowed: false; reason: string };

/** Whether environments of this tier take changes only through promotions on a fresh install. */
export function defaultPromotionsOnly(tier: Tier): boolean {
  return tier === "production";
}

const MIN_REASON = 3;

export function directChangeGate(input: DirectChangeInput): DirectChangeGate {
  const gated = input.environments.filter((e) => e.promotionsOnly).map((e) => e.name);
  // A freeze stops new changes; promoting one already under way is not a new change.
  const frozen =
    input.change === "promote_full"
      ? []
      : input.environments.flatMap((e) =>
          input.freezes
            .filter((f) => freezeCovers(f, e.tier, input.now))
            .map((f) => ({ environment: e.name, freeze: f })),
        );
  const blockers = [
    ...(gated.length > 0
      ? [
          `${gated.join(", ")} ${gated.length === 1 ? "takes" : "take"} changes only through promotions`,
        ]
      : []),
    ...[...new Set(frozen.map((f) => f.freeze.name))].map((name) => {
      const f = frozen.find((x) => x.freeze.name === name);
      const envs = [
        ...new Set(frozen.filter((x) => x.freeze.name === name).map((x) => x.environment)),
      ];
      return `change freeze "${name}" covers ${envs.join(", ")} until ${f?.freeze.endsAt.toISOString()}`;
    }),
  ];
  if (blockers.length === 0) return { allowed: true, override: null };
  const reason = (input.reason ?? "").trim();
  if (input.admin && input.fix && reason.length >= MIN_REASON) {
    return {
      allowed: true,
      override: `${blockers.join("; ")}: overridden by an admin${input.change === "promote_full" ? "" : " for a fix"}: ${reason}`,
    };
  }
  const what =
    input.change === "start"
      ? "Starting a rollout here directly is refused"
      : input.change === "retry"
        ? "Retrying a rollout here directly is refused"
        : "Promoting to 100% here is refused";
  const way =
    input.change === "promote_full"
      ? "Promote step by step, or an admin may promote to 100% with a reason."
      : gated.length > 0
        ? "Request a promotion instead (Promotions → New request), or an admin may push a fix through with a reason."
        : "Only fixes go out during a freeze: an admin may push one through with a reason.";
  const admin = input.admin
    ? input.fix || input.change === "promote_full"
      ? ` Give a reason of at least ${MIN_REASON} characters for the override.`
      : " Mark the change as a fix and give a reason to override."
    : "";
  return { allowed: false, reason: `${blockers.join("; ")}. ${what}. ${way}${admin}` };
}
