"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { ACT_PARAM } from "@/lib/domain/navigation/shortcuts";
import { BlastRadiusDialog } from "@/components/common/blast-radius-dialog";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import type { RolloutActions, RolloutView } from "@/components/rollouts/rollout-view";
import type { ActionResult } from "@/lib/schemas/result";

type Kind = "pause" | "resume" | "promote" | "promote_full" | "abort" | "retry" | "rollback";

const LABEL: Record<Kind, string> = {
  pause: "Pause",
  resume: "Resume",
  promote: "Promote",
  promote_full: "Promote to 100%",
  abort: "Abort",
  retry: "Retry",
  rollback: "Roll back",
};

function nextWeight(r: RolloutView): number {
  for (const s of r.steps.slice(r.currentStep + 1))
    if (s.kind === "set_weight" && s.weight !== null) return s.weight;
  return 100;
}

/** What a command changes, in traffic and people: shown before anyone confirms. */
function blastRadius(
  r: RolloutView,
  kind: Kind,
  rollbackTo: string,
): { moves: number; text: string } {
  const rps = r.environmentRps;
  const share = (pct: number) =>
    rps === null
      ? ""
      : ` (about ${Math.round((rps * pct) / 100).toLocaleString("en-US")} user requests per second)`;
  const where = `${r.environment} (region ${r.region})`;
  switch (kind) {
    case "abort":
      return {
        moves: r.currentWeight,
        text: `${r.currentWeight}% of ${where} traffic${share(r.currentWeight)} goes back to ${r.fromVersion ?? "the stable version"}. The rollout ends; retrying starts over.`,
      };
    case "promote": {
      const next = nextWeight(r);
      return {
        moves: Math.max(0, next - r.currentWeight),
        text: `Skips the current step. ${r.toVersion} then receives up to ${next}% of ${where} traffic${share(next)}.`,
      };
    }
    case "promote_full":
      return {
        moves: 100 - r.currentWeight,
        text: `All of ${where} traffic${share(100)} moves to ${r.toVersion} now, skipping the remaining steps and analysis.`,
      };
    case "pause":
      return {
        moves: 0,
        text: `Traffic stays as it is (${r.currentWeight}% on ${r.toVersion} in ${where}); the rollout waits.`,
      };
    case "resume":
      return { moves: 0, text: `The rollout continues with its next steps in ${where}.` };
    case "retry":
      return {
        moves: 0,
        text: `Starts a new rollout of ${r.toVersion} in ${where} from its first step.`,
      };
    case "rollback":
      return {
        moves: 100,
        text: `All of ${where} traffic${share(100)} moves to ${rollbackTo} at once, replacing whatever runs there now.`,
      };
  }
}

/** The rollout's actions, each behind a confirmation that states its blast radius. */
export function RolloutActionBar({
  rollout: r,
  actions,
  onDone,
}: {
  rollout: RolloutView;
  actions: RolloutActions;
  onDone: () => void;
}) {
  const router = useRouter();
  // `?act=abort` (the command palette, a shared link) opens that confirmation, never runs it.
  const pathname = usePathname();
  const requested = useSearchParams().get(ACT_PARAM);
  const requestedKind = (Object.keys(LABEL) as (string | null)[]).includes(requested)
    ? (requested as Kind)
    : null;
  const [kind, setKind] = useState<Kind | null>(() =>
    requestedKind && r.can[requestedKind] ? requestedKind : null,
  );
  const [unavailable] = useState<string | null>(() =>
    requested && !(requestedKind && r.can[requestedKind])
      ? `${requestedKind ? LABEL[requestedKind] : requested} is not available to you on this rollout now (it is ${r.status.replace("_", " ")}).`
      : null,
  );
  useEffect(() => {
    // once read, the request leaves the address: a reload does not ask again
    if (requested) router.replace(pathname, { scroll: false });
  }, [requested, router, pathname]);
  const [reason, setReason] = useState("");
  const [rollbackTo, setRollbackTo] = useState(r.rollbackTargets[0] ?? "");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const kinds = (Object.keys(LABEL) as Kind[]).filter((k) => r.can[k]);
  const notice = unavailable ? (
    <p
      role="status"
      className="text-sm text-amber-800 dark:text-amber-200"
      data-testid="act-unavailable"
    >
      {unavailable}
    </p>
  ) : null;
  if (kinds.length === 0) return notice;

  const open = (k: Kind) => {
    setKind(k);
    // The list of earlier versions changes as the rollout moves (an abort puts the stable back).
    if (!r.rollbackTargets.includes(rollbackTo)) setRollbackTo(r.rollbackTargets[0] ?? "");
    setReason("");
    setError(null);
  };
  const run = () => {
    if (!kind) return;
    startTransition(async () => {
      const base = { rolloutId: r.id, version: r.version, reason: reason || undefined };
      let result: ActionResult<unknown>;
      if (kind === "retry")
        // A reason marks an admin's retry as a fix where changes go only through promotions.
        result = await actions.retry({
          rolloutId: r.id,
          version: r.version,
          fix: reason.trim().length > 0,
          reason,
        });
      else if (kind === "rollback")
        result = await actions.rollback({
          model: r.model,
          environment: r.environment,
          toVersion: rollbackTo,
          reason: reason || undefined,
        });
      else if (kind === "promote_full") result = await actions.promoteFull(base);
      else result = await actions[kind](base);
      if (!result.ok) {
        setError(result.error.message);
        return;
      }
      setKind(null);
      const next = (result.data as { rolloutId?: string } | null)?.rolloutId;
      if ((kind === "retry" || kind === "rollback") && next) router.push(`/rollouts/${next}`);
      onDone();
    });
  };
  const radius = kind ? blastRadius(r, kind, rollbackTo) : null;
  const needsReason = kind === "promote_full" || (kind === "retry" && r.promotionsOnly);
  return (
    <section aria-label="Actions" className="flex flex-wrap gap-2">
      {notice}
      {kinds.map((k) => (
        <Button
          key={k}
          size="sm"
          variant={
            k === "abort" || k === "rollback"
              ? "destructive"
              : k === "promote" || k === "promote_full"
                ? "default"
                : "outline"
          }
          onClick={() => open(k)}
        >
          {LABEL[k]}
        </Button>
      ))}
      {kind && radius ? (
        <BlastRadiusDialog
          open
          onClose={() => setKind(null)}
          title={`${LABEL[kind]} ${r.model} ${kind === "rollback" ? `in ${r.environment}` : r.toVersion}?`}
          blastRadius={radius.text}
          action={LABEL[kind].toLowerCase()}
          destructive={kind === "abort" || kind === "rollback"}
          reason={
            kind !== "resume" && (kind !== "retry" || r.promotionsOnly)
              ? {
                  value: reason,
                  onChange: setReason,
                  label: `Reason${
                    needsReason
                      ? ` (required${r.promotionsOnly ? `: ${r.environment} takes changes only through promotions, so this is an admin's fix` : ""})`
                      : " (optional)"
                  }`,
                  required: needsReason,
                  minLength: needsReason ? 3 : undefined,
                  placeholder: needsReason
                    ? "Hotfix for the 5xx incident, approved by the on-call lead"
                    : "",
                }
              : undefined
          }
          pending={pending}
          error={error}
          onConfirm={run}
        >
          {kind === "rollback" ? (
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="rollback-to">Version to roll back to</Label>
              <NativeSelect
                id="rollback-to"
                value={rollbackTo}
                onChange={(e) => setRollbackTo(e.target.value)}
              >
                {r.rollbackTargets.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </NativeSelect>
            </div>
          ) : null}
        </BlastRadiusDialog>
      ) : null}
    </section>
  );
}
