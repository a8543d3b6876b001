/**
 * Changes made to a rollout's platform object outside Flightdeck (kubectl, an Argo CD sync,
 * another tool). Kubernetes moves an object's `metadata.generation` on every change to its spec
 * and never on status, so a newer generation is a spec change by someone. It is Flightdeck's own
 * when every field the spec asks for is one Flightdeck knew (as last confirmed), intended (its
 * recorded intent: a write whose answer was lost) or plans now; anything else is an outside
 * change, which the engine stops on rather than fights.
 */
import type { RolloutStatus } from "./state-machine";

/** What an object's spec asks for; null where the platform's spec does not say. */
export interface SpecFields {
  version: string | null;
  weight: number | null;
  paused: boolean | null;
}

export interface ObjectSpec extends SpecFields {
  generation: number;
  image: string | null;
}

/** Flightdeck's plan for the spec, field by field; null where it has none in this state. */
export function plannedSpec(r: {
  status: RolloutStatus;
  kind: string;
  toVersion: string;
  weight: number;
}): SpecFields {
  if (r.status === "pending") return { version: null, weight: null, paused: null };
  const active =
    r.kind === "rollout" &&
    (r.status === "progressing" ||
      r.status === "analyzing" ||
      r.status === "paused" ||
      r.status === "degraded");
  return {
    version: r.toVersion,
    weight: active ? r.weight : null,
    paused: active ? r.status === "paused" : null,
  };
}

/**
 * What changed outside Flightdeck, in words, or null. `known` is the spec as Flightdeck last
 * confirmed it (null: not seen yet, nothing to compare); `intended` the specs of writes it
 * recorded and may have made.
 */
export function outsideChange(input: {
  known: ObjectSpec | null;
  live: ObjectSpec;
  intended: readonly SpecFields[];
  planned: SpecFields;
}): string | null {
  const { known, live, intended, planned } = input;
  if (!known || live.generation === known.generation) return null;
  const ours = <K extends keyof SpecFields>(field: K): boolean => {
    const value = live[field];
    if (value === null) return true;
    return [known, planned, ...intended].some((s) => s[field] === null || s[field] === value);
  };
  const changes: string[] = [];
  if (!ours("version")) {
    changes.push(
      `it now runs version ${live.version}${live.image ? ` (image ${live.image})` : ""}, not ${planned.version ?? known.version}`,
    );
  }
  if (!ours("weight")) {
    changes.push(
      `its canary weight is now ${live.weight}%${planned.weight !== null ? `, not ${planned.weight}%` : ""}`,
    );
  }
  if (!ours("paused")) changes.push(live.paused ? "it was paused" : "it was unpaused");
  // Flightdeck changes an image only with its version: a new image under the same version is not
  // Flightdeck's (a hand-built tag, a registry mirror swapped in).
  if (
    changes.length === 0 &&
    known.image !== null &&
    live.image !== null &&
    live.image !== known.image &&
    live.version === known.version
  ) {
    changes.push(`its image is now ${live.image}, still labelled version ${live.version}`);
  }
  if (changes.length === 0) return null;
  return `Changed outside Flightdeck: ${changes.join("; ")} (spec generation ${known.generation} → ${live.generation}).`;
}
