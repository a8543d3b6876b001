import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { isUniqueViolation } from "@/server/db/violations";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import type { AddLinkData, RemoveLinkData } from "@/lib/schemas/links";
import type { LinkSubjectKind } from "@/lib/domain/models/link-templates";

export interface LinkTemplateRow {
  id: string;
  subjectKind: LinkSubjectKind;
  subject: string;
  label: string;
  urlTemplate: string;
}

/**
 * Who may change a subject's links: for a model, its team's release managers (who keep its
 * release settings) and admins; for an SLO, those who may define its team's SLOs.
 */
async function ownerOf(kind: LinkSubjectKind, subject: string): Promise<string> {
  if (kind === "model") {
    const m = await db().model.findUnique({ where: { name: subject }, select: { teamId: true } });
    if (!m) throw new AppError("NOT_FOUND", `No model named ${subject}.`);
    return m.teamId;
  }
  const s = await db().slo.findUnique({ where: { name: subject }, select: { teamId: true } });
  if (!s) throw new AppError("NOT_FOUND", `No SLO named ${subject}.`);
  return s.teamId;
}

const PERMISSION = { model: "promotion.approve", slo: "slo.manage" } as const;

/** The links of these subjects, by subject. */
export async function linkTemplates(
  actor: Actor | null,
  kind: LinkSubjectKind,
  subjects: readonly string[],
): Promise<LinkTemplateRow[]> {
  assertCanRead(actor);
  if (subjects.length === 0) return [];
  const rows = await db().linkTemplate.findMany({
    where: { subjectKind: kind, subject: { in: [...subjects] } },
    orderBy: [{ subject: "asc" }, { label: "asc" }],
    select: { id: true, subjectKind: true, subject: true, label: true, urlTemplate: true },
  });
  return rows.map((r) => ({ ...r, subjectKind: r.subjectKind as LinkSubjectKind }));
}

/** Whether the actor may add and remove this subject's links (for the page's controls). */
export async function canEditLinks(
  actor: Actor | null,
  kind: LinkSubjectKind,
  subject: string,
): Promise<boolean> {
  if (!actor) return false;
  try {
    return isAllowed(actor, PERMISSION[kind], await ownerOf(kind, subject));
  } catch {
    return false;
  }
}

export async function addLink(
  actor: Actor | null,
  meta: RequestMeta,
  input: AddLinkData,
): Promise<{ id: string; created: boolean }> {
  assertAllowed(actor, PERMISSION[input.subjectKind]);
  assertAllowed(
    actor,
    PERMISSION[input.subjectKind],
    await ownerOf(input.subjectKind, input.subject),
  );
  const same = await db().linkTemplate.findFirst({
    where: { subjectKind: input.subjectKind, subject: input.subject, label: input.label },
    select: { id: true, urlTemplate: true },
  });
  if (same?.urlTemplate === input.urlTemplate) return { id: same.id, created: false };
  if (same) {
    throw new AppError(
      "CONFLICT",
      `${input.subject} already has a link labelled "${input.label}": remove it first, or choose another label.`,
    );
  }
  try {
    return await db().$transaction(async (tx) => {
      const created = await tx.linkTemplate.create({
        data: { ...input, createdBy: actor.email, createdAt: clock.now() },
        select: { id: true },
      });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "link.create",
        targetType: input.subjectKind,
        targetId: input.subject,
        outcome: "allowed",
        after: { label: input.label, urlTemplate: input.urlTemplate },
      });
      return { id: created.id, created: true };
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        "CONFLICT",
        `${input.subject} already has a link labelled "${input.label}".`,
      );
    }
    throw error;
  }
}

export async function removeLink(
  actor: Actor | null,
  meta: RequestMeta,
  input: RemoveLinkData,
): Promise<{ removed: boolean }> {
  assertCanRead(actor);
  const link = await db().linkTemplate.findUnique({ where: { id: input.linkId } });
  if (!link) return { removed: false };
  const kind = link.subjectKind as LinkSubjectKind;
  assertAllowed(actor, PERMISSION[kind], await ownerOf(kind, link.subject));
  return db().$transaction(async (tx) => {
    const { count } = await tx.linkTemplate.deleteMany({ where: { id: link.id } });
    if (count === 0) return { removed: false };
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "link.delete",
      targetType: kind,
      targetId: link.subject,
      outcome: "allowed",
      before: { label: link.label, urlTemplate: link.urlTemplate },
    });
    return { removed: true };
  });
}
