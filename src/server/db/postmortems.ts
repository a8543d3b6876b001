import "server-only";
import type { Prisma } from "@/generated/prisma/client";
import type { Db as Client } from "@/server/db/tx";
import { postmortemDraftSchema, type PostmortemDraft } from "@/lib/domain/incidents/postmortem";

export interface StoredPostmortem {
  id: string;
  draft: PostmortemDraft;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

/** An incident's saved postmortem, or null when none was saved yet. */
export async function findPostmortem(
  client: Client,
  incidentId: string,
): Promise<StoredPostmortem | null> {
  const row = await client.postmortem.findUnique({
    where: { incidentId },
    select: {
      id: true,
      summary: true,
      impact: true,
      timeline: true,
      contributingFactors: true,
      followUps: true,
      version: true,
      updatedAt: true,
      updatedBy: true,
    },
  });
  if (!row) return null;
  const { id, version, updatedAt, updatedBy, ...fields } = row;
  // The JSON columns hold what postmortemColumns wrote: dates as ISO strings.
  return { id, draft: postmortemDraftSchema.parse(fields), version, updatedAt, updatedBy };
}

/** The columns a postmortem is written to. */
export function postmortemColumns(pm: PostmortemDraft) {
  return {
    summary: pm.summary,
    impact: pm.impact,
    timeline: pm.timeline.map((e) => ({
      at: e.at.toISOString(),
      text: e.text,
      source: e.source,
    })),
    contributingFactors: pm.contributingFactors,
    followUps: pm.followUps.map((f) => ({ action: f.action, owner: f.owner, dueDate: f.dueDate })),
  } satisfies Prisma.PostmortemUpdateInput;
}
