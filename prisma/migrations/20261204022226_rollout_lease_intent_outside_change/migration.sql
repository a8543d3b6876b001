-- Rollout engine: platform calls under a lease, not a row lock; the intent recorded before each
-- platform write; the object's spec as last confirmed, and changes made outside Flightdeck.
-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "leaseOwner" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3),
ADD COLUMN     "managedBy" TEXT,
ADD COLUMN     "outsideChange" TEXT,
ADD COLUMN     "platformIntent" JSONB,
ADD COLUMN     "platformSpec" JSONB;

