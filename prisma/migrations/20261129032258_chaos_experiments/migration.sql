-- CreateEnum
CREATE TYPE "ChaosKind" AS ENUM ('region_degradation', 'latency_injection');

-- CreateTable
CREATE TABLE "ChaosExperiment" (
    "id" TEXT NOT NULL,
    "kind" "ChaosKind" NOT NULL,
    "region" TEXT NOT NULL,
    "magnitude" DOUBLE PRECISION NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "stoppedAt" TIMESTAMP(3),
    "createdById" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "ChaosExperiment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChaosExperiment_endsAt_idx" ON "ChaosExperiment"("endsAt");

