import { authorize, type Principal } from "../access/policy";

/**
 * A team's Alertmanager token works its own team's incidents: an alert naming another team's
 * model or SLO, or landing on an incident of another team's models, is refused (alone: the
 * rest of its notification goes on). Alerts naming no model are anyone's. Admins' sessions
 * may touch any.
 */
export interface AlertTarget {
  kind: "model" | "slo" | "incident";
  /** the model's or SLO's name, or the incident's number (never shown: it is another team's) */
  name: string;
  /** the owning team; for an incident, one entry per affected model */
  teamId: string;
}

export function alertScopeRefusal(
  principal: Principal,
  targets: readonly AlertTarget[],
): string | null {
  const foreign = targets.find((t) => !authorize(principal, "incident.work", t.teamId).allowed);
  if (!foreign) return null;
  const what =
    foreign.kind === "incident"
      ? "the open incident holding its fingerprint affects a model of another team"
      : `it names the ${foreign.kind === "model" ? "model" : "SLO"} ${foreign.name}, of another team`;
  return `Refused: ${what}; only that team (or an admin) may work it.`;
}
