-- CreateTable
CREATE TABLE "RecurringWindow" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "tier" "EnvironmentTier",
    "timeZone" TEXT NOT NULL,
    "startDay" INTEGER NOT NULL,
    "startMinute" INTEGER NOT NULL,
    "endDay" INTEGER NOT NULL,
    "endMinute" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RecurringWindow_pkey" PRIMARY KEY ("id")
);

