-- AlterTable
ALTER TABLE "TrainingJob" ADD COLUMN     "resumeIntentId" TEXT,
ADD COLUMN     "resumeOutcomeUnknown" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "resumeRequestedAt" TIMESTAMP(3),
ADD COLUMN     "resumeRestartsBefore" INTEGER;

