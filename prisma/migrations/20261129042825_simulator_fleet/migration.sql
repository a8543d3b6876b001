-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ChaosKind" ADD VALUE 'node_failure';
ALTER TYPE "ChaosKind" ADD VALUE 'gpu_failure';

-- CreateTable
CREATE TABLE "SimulatorFleet" (
    "id" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "simTime" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SimulatorFleet_pkey" PRIMARY KEY ("id")
);

