-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "blockedAlertAt" TIMESTAMP(3),
ADD COLUMN     "blockedAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "blockedKind" TEXT,
ADD COLUMN     "blockedReason" TEXT,
ADD COLUMN     "blockedSince" TIMESTAMP(3),
ADD COLUMN     "metricsOutage" JSONB,
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3);

