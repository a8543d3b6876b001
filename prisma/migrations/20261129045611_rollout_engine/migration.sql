-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "rolloutPlan" JSONB;

-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'rollout',
ADD COLUMN     "pausedUntil" TIMESTAMP(3),
ADD COLUMN     "platformSynced" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "releaseId" TEXT,
ADD COLUMN     "stepStartedAt" TIMESTAMP(3),
ADD COLUMN     "target" JSONB,
ADD COLUMN     "thresholds" JSONB,
ADD COLUMN     "verifying" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "wave" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "RolloutStep" ADD COLUMN     "intervalSec" INTEGER;

-- CreateTable
CREATE TABLE "AnalysisRun" (
    "id" TEXT NOT NULL,
    "rolloutId" TEXT NOT NULL,
    "stepIndex" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "verdict" TEXT NOT NULL,
    "score" INTEGER,
    "metrics" JSONB NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "AnalysisRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AnalysisRun_rolloutId_stepIndex_at_idx" ON "AnalysisRun"("rolloutId", "stepIndex", "at");

-- CreateIndex
CREATE INDEX "Rollout_releaseId_wave_idx" ON "Rollout"("releaseId", "wave");

-- AddForeignKey
ALTER TABLE "AnalysisRun" ADD CONSTRAINT "AnalysisRun_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout"("id") ON DELETE CASCADE ON UPDATE CASCADE;

