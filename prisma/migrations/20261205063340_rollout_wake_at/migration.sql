-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "wakeAt" TIMESTAMP(3);

