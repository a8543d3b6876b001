-- CreateEnum
CREATE TYPE "SloWindowKind" AS ENUM ('rolling', 'month', 'quarter');

-- CreateEnum
CREATE TYPE "SloHealth" AS ENUM ('healthy', 'at_risk', 'exhausted', 'no_data');

-- CreateEnum
CREATE TYPE "AlertSeverity" AS ENUM ('page', 'ticket');

-- CreateEnum
CREATE TYPE "BudgetPolicy" AS ENUM ('enforce', 'advisory');

-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "budgetPolicy" "BudgetPolicy" NOT NULL DEFAULT 'enforce';

-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "budgetOverride" TEXT;

-- AlterTable
ALTER TABLE "Slo" ADD COLUMN     "alertWindows" JSONB,
ADD COLUMN     "displayName" TEXT,
ADD COLUMN     "timesliceTarget" DOUBLE PRECISION,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "windowKind" "SloWindowKind" NOT NULL DEFAULT 'rolling';

-- AlterTable
ALTER TABLE "SliBucket" ADD COLUMN     "goodSlices" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "slices" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "SloSnapshot" (
    "sloId" TEXT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "status" "SloHealth" NOT NULL,
    "good" BIGINT NOT NULL,
    "total" BIGINT NOT NULL,
    "attainment" DOUBLE PRECISION,
    "consumed" DOUBLE PRECISION,
    "remaining" DOUBLE PRECISION,
    "budgetAmount" DOUBLE PRECISION,
    "burnRate1h" DOUBLE PRECISION,
    "exhaustsInMin" DOUBLE PRECISION,
    "firing" "AlertSeverity",

    CONSTRAINT "SloSnapshot_pkey" PRIMARY KEY ("sloId")
);

-- CreateTable
CREATE TABLE "SloAlert" (
    "id" TEXT NOT NULL,
    "sloId" TEXT NOT NULL,
    "severity" "AlertSeverity" NOT NULL,
    "longWindowMinutes" INTEGER NOT NULL,
    "shortWindowMinutes" INTEGER NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "longBurn" DOUBLE PRECISION NOT NULL,
    "shortBurn" DOUBLE PRECISION NOT NULL,
    "peakBurn" DOUBLE PRECISION NOT NULL,
    "firedAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "SloAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SloSnapshot_status_idx" ON "SloSnapshot"("status");

-- CreateIndex
CREATE INDEX "SloSnapshot_remaining_idx" ON "SloSnapshot"("remaining");

-- CreateIndex
CREATE INDEX "SloAlert_sloId_firedAt_idx" ON "SloAlert"("sloId", "firedAt");

-- CreateIndex
CREATE INDEX "SloAlert_resolvedAt_idx" ON "SloAlert"("resolvedAt");

-- AddForeignKey
ALTER TABLE "SloSnapshot" ADD CONSTRAINT "SloSnapshot_sloId_fkey" FOREIGN KEY ("sloId") REFERENCES "Slo"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SloAlert" ADD CONSTRAINT "SloAlert_sloId_fkey" FOREIGN KEY ("sloId") REFERENCES "Slo"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- One open alert per SLO and alert window: evaluators racing cannot open it twice.
CREATE UNIQUE INDEX "SloAlert_open_key" ON "SloAlert"("sloId", "severity", "longWindowMinutes") WHERE "resolvedAt" IS NULL;
