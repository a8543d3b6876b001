import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { AppError } from "@/server/errors";
import { livePools, teamNamespaces } from "@/server/capacity/overview";
import { placeGang, type PlacementAnswer } from "@/lib/domain/capacity/placement";
import type { PlacementQuery } from "@/lib/schemas/capacity";

export interface PlacementResult extends PlacementAnswer {
  /** the team's display name, when one was asked */
  teamName: string | null;
  region: string | null;
  readAt: Date | null;
  error: string | null;
}

/**
 * "Where can I place N GPUs of type T (for team X)": every pool of the type (in the region, when
 * asked), live from the platform, against the team's namespace quotas on each cluster.
 */
export async function placeGpus(
  actor: Actor | null,
  query: PlacementQuery,
): Promise<PlacementResult> {
  assertCanRead(actor);
  const team = query.team
    ? await db().team.findUnique({
        where: { slug: query.team },
        select: { slug: true, name: true },
      })
    : null;
  if (query.team && !team) throw new AppError("NOT_FOUND", `No team ${query.team}.`);
  const { fleet, pools } = await livePools(actor, { region: query.region, type: query.gpuType });
  const namespaces = team ? await teamNamespaces(fleet.data?.namespaces ?? []) : [];
  const answer = placeGang(
    { gpus: query.gpus, gpuType: query.gpuType, team: team?.slug ?? null },
    pools,
    namespaces,
  );
  return {
    ...answer,
    teamName: team?.name ?? null,
    region: query.region ?? null,
    readAt: fleet.readAt,
    error: fleet.error,
  };
}
