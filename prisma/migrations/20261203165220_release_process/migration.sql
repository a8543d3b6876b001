-- AlterTable
ALTER TABLE "Environment" ADD COLUMN     "promotionsOnly" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "processOverride" TEXT;


-- Production takes changes only through promotions, on existing installs too.
UPDATE "Environment" SET "promotionsOnly" = true WHERE "tier" = 'production';
