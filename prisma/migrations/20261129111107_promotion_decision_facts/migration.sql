-- AlterTable
ALTER TABLE "PromotionRequest" ADD COLUMN     "gatesEvaluatedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "PromotionApproval" ADD COLUMN     "asAdmin" BOOLEAN NOT NULL DEFAULT false;


-- Deployments serving all traffic before the soak was tracked: their last change is the latest
-- they can have started, so the soak counts from there rather than from this deploy.
UPDATE "Deployment" SET "fullTrafficSince" = "updatedAt"
  WHERE "trafficWeight" = 100 AND "fullTrafficSince" IS NULL;
