-- CreateEnum
CREATE TYPE "PromotionStatus" AS ENUM ('pending', 'approved', 'started', 'rejected', 'withdrawn');

-- CreateEnum
CREATE TYPE "ApprovalDecision" AS ENUM ('approve', 'reject');

-- AlterTable
ALTER TABLE "Environment" ADD COLUMN     "requiredApprovals" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "soakMinutes" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "evalThresholds" JSONB,
ADD COLUMN     "resources" JSONB;

-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN     "fullTrafficSince" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "PromotionRequest" (
    "id" TEXT NOT NULL,
    "number" SERIAL NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "tier" "EnvironmentTier" NOT NULL,
    "regions" TEXT[],
    "fix" BOOLEAN NOT NULL DEFAULT false,
    "justification" TEXT NOT NULL,
    "status" "PromotionStatus" NOT NULL DEFAULT 'pending',
    "requiredApprovals" INTEGER NOT NULL,
    "requestedById" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),
    "releaseId" TEXT,
    "blockedReason" TEXT,
    "gates" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "PromotionRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromotionApproval" (
    "id" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "approverId" TEXT NOT NULL,
    "decision" "ApprovalDecision" NOT NULL,
    "comment" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromotionApproval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FreezeWindow" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tier" "EnvironmentTier",
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FreezeWindow_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PromotionRequest_number_key" ON "PromotionRequest"("number");

-- CreateIndex
CREATE INDEX "PromotionRequest_status_requestedAt_idx" ON "PromotionRequest"("status", "requestedAt");

-- CreateIndex
CREATE INDEX "PromotionRequest_modelId_requestedAt_idx" ON "PromotionRequest"("modelId", "requestedAt");

-- CreateIndex
CREATE INDEX "PromotionRequest_requestedById_requestedAt_idx" ON "PromotionRequest"("requestedById", "requestedAt");

-- CreateIndex
CREATE INDEX "PromotionRequest_modelVersionId_tier_idx" ON "PromotionRequest"("modelVersionId", "tier");

-- CreateIndex
CREATE UNIQUE INDEX "PromotionApproval_requestId_approverId_key" ON "PromotionApproval"("requestId", "approverId");

-- CreateIndex
CREATE INDEX "FreezeWindow_endsAt_idx" ON "FreezeWindow"("endsAt");

-- AddForeignKey
ALTER TABLE "PromotionRequest" ADD CONSTRAINT "PromotionRequest_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionRequest" ADD CONSTRAINT "PromotionRequest_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionRequest" ADD CONSTRAINT "PromotionRequest_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionApproval" ADD CONSTRAINT "PromotionApproval_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "PromotionRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionApproval" ADD CONSTRAINT "PromotionApproval_approverId_fkey" FOREIGN KEY ("approverId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- One open (pending or approved) request per version and tier; Prisma cannot express a
-- partial unique index, so it lives here (see the schema's comment on PromotionRequest).
CREATE UNIQUE INDEX "PromotionRequest_open_key" ON "PromotionRequest"("modelVersionId", "tier")
  WHERE "status" IN ('pending', 'approved');

-- Production needs two approvals and an hour of healthy staging soak unless configured otherwise.
UPDATE "Environment" SET "requiredApprovals" = 2, "soakMinutes" = 60 WHERE "tier" = 'production';
