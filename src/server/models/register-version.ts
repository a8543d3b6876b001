import "server-only";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { isUniqueViolation } from "@/server/db/violations";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import type { RegisterModelVersionData } from "@/lib/schemas/model-version";

export interface ModelVersionDto {
  id: string;
  model: string;
  version: string;
  imageDigest: string;
  baseImageDigest: string;
  artifactUri: string;
  trainingRunId: string;
  datasetDigest: string;
  codeCommit: string;
  evalMetrics: unknown;
  createdBy: string;
  createdAt: string;
}

const versionSelect = {
  id: true,
  version: true,
  imageDigest: true,
  baseImageDigest: true,
  artifactUri: true,
  trainingRunId: true,
  datasetDigest: true,
  codeCommit: true,
  evalMetrics: true,
  createdBy: true,
  createdAt: true,
  model: { select: { name: true } },
} as const;

type VersionRecord = Prisma.ModelVersionGetPayload<{ select: typeof versionSelect }>;

function toDto(v: VersionRecord): ModelVersionDto {
  return { ...v, model: v.model.name, createdAt: v.createdAt.toISOString() };
}

/**
 * Registers a model version from CI. Registering the same digest under the same version again
 * returns the existing version (created: false); reusing a version or a digest for something
 * else is a conflict. Only the model's team (or an admin) may register.
 */
export async function registerModelVersion(
  actor: Actor | null,
  meta: RequestMeta,
  modelName: string,
  input: RegisterModelVersionData,
): Promise<{ created: boolean; version: ModelVersionDto }> {
  assertAllowed(actor, "model.register");
  const model = await db().model.findUnique({
    where: { name: modelName },
    select: { id: true, name: true, teamId: true },
  });
  if (!model) throw new AppError("NOT_FOUND", `No model named "${modelName}".`);
  assertAllowed(actor, "model.register", model.teamId);

  // The version or digest already registered for this model: a repeat, or a conflict.
  const registered = () =>
    db().modelVersion.findFirst({
      where: {
        modelId: model.id,
        OR: [{ imageDigest: input.imageDigest }, { version: input.version }],
      },
      select: versionSelect,
    });
  const existing = await registered();
  if (existing) return sameOrConflict(existing, input);
  try {
    return await db().$transaction(async (tx) => {
      const created = await tx.modelVersion.create({
        data: { ...input, modelId: model.id, createdBy: actor.email },
        select: versionSelect,
      });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "model_version.register",
        targetType: "model_version",
        targetId: created.id,
        outcome: "allowed",
        after: { model: model.name, version: created.version, imageDigest: created.imageDigest },
      });
      return { created: true, version: toDto(created) };
    });
  } catch (error) {
    // A concurrent duplicate registration won the race: answer as for a repeat.
    if (!isUniqueViolation(error)) throw error;
    const winner = await registered();
    if (!winner) throw error;
    return sameOrConflict(winner, input);
  }
}

function sameOrConflict(
  existing: VersionRecord,
  input: RegisterModelVersionData,
): { created: boolean; version: ModelVersionDto } {
  if (existing.version === input.version && existing.imageDigest === input.imageDigest) {
    return { created: false, version: toDto(existing) };
  }
  if (existing.version === input.version) {
    throw new AppError(
      "CONFLICT",
      `Version ${input.version} is already registered with a different image digest; versions are immutable.`,
    );
  }
  throw new AppError(
    "CONFLICT",
    `This image digest is already registered as version ${existing.version}.`,
  );
}
