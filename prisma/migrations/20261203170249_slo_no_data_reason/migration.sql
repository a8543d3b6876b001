-- AlterTable
ALTER TABLE "Slo" ADD COLUMN     "noDataReason" TEXT,
ADD COLUMN     "noDataSince" TIMESTAMP(3);

