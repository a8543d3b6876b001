-- AlterTable
ALTER TABLE "NotificationChannel" ADD COLUMN     "inboundSecretEnv" TEXT,
ADD COLUMN     "secretEnv" TEXT;

