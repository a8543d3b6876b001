-- CreateEnum
CREATE TYPE "DrainKind" AS ENUM ('drain', 'failover');

-- CreateEnum
CREATE TYPE "DrainPhase" AS ENUM ('draining', 'drained', 'undraining', 'undrained');

-- AlterEnum
ALTER TYPE "ChaosKind" ADD VALUE 'region_outage';

-- CreateTable
CREATE TABLE "RegionDrain" (
    "id" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "kind" "DrainKind" NOT NULL,
    "scopeKind" TEXT NOT NULL,
    "scopeName" TEXT,
    "phase" "DrainPhase" NOT NULL DEFAULT 'draining',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "pauseReason" TEXT,
    "steps" INTEGER[],
    "stepSeconds" INTEGER NOT NULL,
    "stepIndex" INTEGER NOT NULL DEFAULT -1,
    "stepAppliedAt" TIMESTAMP(3),
    "prepared" BOOLEAN NOT NULL DEFAULT false,
    "waitingSince" TIMESTAMP(3),
    "headroom" DOUBLE PRECISION NOT NULL,
    "models" JSONB NOT NULL,
    "blockedReason" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "acknowledged" BOOLEAN NOT NULL DEFAULT false,
    "reason" TEXT,
    "createdById" TEXT,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "RegionDrain_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RegionDrainEvent" (
    "id" TEXT NOT NULL,
    "drainId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "actorEmail" TEXT,

    CONSTRAINT "RegionDrainEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RegionDrain_phase_idx" ON "RegionDrain"("phase");

-- CreateIndex
CREATE INDEX "RegionDrain_region_createdAt_idx" ON "RegionDrain"("region", "createdAt");

-- CreateIndex
CREATE INDEX "RegionDrainEvent_drainId_at_idx" ON "RegionDrainEvent"("drainId", "at");

-- AddForeignKey
ALTER TABLE "RegionDrainEvent" ADD CONSTRAINT "RegionDrainEvent_drainId_fkey" FOREIGN KEY ("drainId") REFERENCES "RegionDrain"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one drain of a region is not yet undrained: a second start (a double-click, another
-- engineer) finds the first instead of moving traffic twice.
CREATE UNIQUE INDEX "RegionDrain_one_open_per_region" ON "RegionDrain"("region") WHERE "phase" <> 'undrained';
