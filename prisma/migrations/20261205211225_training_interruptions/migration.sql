-- CreateEnum
CREATE TYPE "InterruptionCause" AS ENUM ('node_lost', 'gpu_xid', 'nccl_timeout', 'preemption', 'oom', 'other');

-- AlterTable
ALTER TABLE "Checkpoint" ADD COLUMN     "writeSeconds" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "TrainingInterruption" (
    "id" TEXT NOT NULL,
    "trainingJobId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "cause" "InterruptionCause" NOT NULL,
    "message" TEXT NOT NULL,
    "stepAtFailure" INTEGER,
    "lastCheckpointStep" INTEGER,
    "lastCheckpointAt" TIMESTAMP(3),
    "stepsLost" INTEGER,
    "workLostHours" DOUBLE PRECISION NOT NULL,
    "restartSeconds" DOUBLE PRECISION,
    "gpuHoursLost" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "TrainingInterruption_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TrainingInterruption_at_idx" ON "TrainingInterruption"("at");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingInterruption_trainingJobId_at_key" ON "TrainingInterruption"("trainingJobId", "at");

-- AddForeignKey
ALTER TABLE "TrainingInterruption" ADD CONSTRAINT "TrainingInterruption_trainingJobId_fkey" FOREIGN KEY ("trainingJobId") REFERENCES "TrainingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

