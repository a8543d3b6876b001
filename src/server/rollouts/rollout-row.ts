import "server-only";
import { lockRow, type Tx } from "@/server/db/tx";
import { AppError } from "@/server/errors";

export async function lockRollout(tx: Tx, id: string) {
  await lockRow(tx, "Rollout", id);
  const r = await tx.rollout.findUnique({
    where: { id },
    select: {
      id: true,
      status: true,
      kind: true,
      currentStep: true,
      currentWeight: true,
      version: true,
      releaseId: true,
      wave: true,
      model: { select: { id: true, name: true, teamId: true } },
      environment: { select: { name: true } },
      toVersion: { select: { version: true } },
      _count: { select: { steps: true } },
    },
  });
  if (!r) throw new AppError("NOT_FOUND", "That rollout does not exist.");
  return r;
}
