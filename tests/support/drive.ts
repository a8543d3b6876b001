import { clock, type ManualClock } from "../../src/lib/clock";
import type { PrismaClient } from "../../src/generated/prisma/client";
import { appliesSettled } from "../../src/server/rollouts/apply-now";
import { driveRollout } from "../../src/server/rollouts/engine";

/**
 * Runs the rollout engine on the given rollouts until every one's status satisfies `done`,
 * moving the test clock between passes: a second at a time, or straight to the end of a timed
 * pause when that is all they wait for. Timed pauses and analysis windows pass in an instant.
 * Fails, with the rollouts' state, after `seconds` of test time.
 */
export async function driveUntil(
  prisma: PrismaClient,
  time: ManualClock,
  ids: string[],
  done: (status: string) => boolean,
  { seconds = 60, stepMs = 1_000 }: { seconds?: number; stepMs?: number } = {},
): Promise<void> {
  const deadline = clock.ms() + seconds * 1000;
  while (clock.ms() <= deadline) {
    // A change applied in the background (after a command) finishes before test time moves.
    await appliesSettled();
    for (const id of ids) await driveRollout(id);
    const rows = await prisma.rollout.findMany({
      where: { id: { in: ids } },
      select: { status: true, pausedUntil: true },
    });
    if (rows.length === ids.length && rows.every((r) => done(r.status))) return;
    const pauses = rows.flatMap((r) => (r.pausedUntil ? [r.pausedUntil.getTime()] : []));
    const waitingOnlyForPauses = rows.every((r) => done(r.status) || r.pausedUntil !== null);
    time.advance(
      waitingOnlyForPauses && pauses.length > 0
        ? Math.max(stepMs, Math.min(...pauses) - clock.ms())
        : stepMs,
    );
  }
  const rows = await prisma.rollout.findMany({
    where: { id: { in: ids } },
    select: {
      status: true,
      currentStep: true,
      events: { orderBy: { at: "desc" }, take: 2, select: { message: true } },
    },
  });
  throw new Error(`rollouts did not finish in ${seconds} s of test time: ${JSON.stringify(rows)}`);
}
