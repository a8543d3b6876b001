-- CreateTable
CREATE TABLE "GpuPoolHour" (
    "hour" TIMESTAMP(3) NOT NULL,
    "cluster" TEXT NOT NULL,
    "pool" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "gpuType" "GpuType" NOT NULL,
    "samples" INTEGER NOT NULL,
    "lastSampleAt" TIMESTAMP(3) NOT NULL,
    "total" DOUBLE PRECISION NOT NULL,
    "serving" DOUBLE PRECISION NOT NULL,
    "training" DOUBLE PRECISION NOT NULL,
    "other" DOUBLE PRECISION NOT NULL,
    "idle" DOUBLE PRECISION NOT NULL,
    "unavailable" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "GpuPoolHour_pkey" PRIMARY KEY ("cluster","pool","hour")
);

-- CreateTable
CREATE TABLE "GpuTeamHour" (
    "hour" TIMESTAMP(3) NOT NULL,
    "team" TEXT NOT NULL,
    "samples" INTEGER NOT NULL,
    "lastSampleAt" TIMESTAMP(3) NOT NULL,
    "used" DOUBLE PRECISION NOT NULL,
    "quota" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "GpuTeamHour_pkey" PRIMARY KEY ("team","hour")
);

-- CreateTable
CREATE TABLE "GpuTypeHour" (
    "hour" TIMESTAMP(3) NOT NULL,
    "region" TEXT NOT NULL,
    "gpuType" "GpuType" NOT NULL,
    "samples" INTEGER NOT NULL,
    "lastSampleAt" TIMESTAMP(3) NOT NULL,
    "total" DOUBLE PRECISION NOT NULL,
    "serving" DOUBLE PRECISION NOT NULL,
    "training" DOUBLE PRECISION NOT NULL,
    "other" DOUBLE PRECISION NOT NULL,
    "idle" DOUBLE PRECISION NOT NULL,
    "unavailable" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "GpuTypeHour_pkey" PRIMARY KEY ("region","gpuType","hour")
);

-- CreateIndex
CREATE INDEX "GpuPoolHour_hour_idx" ON "GpuPoolHour"("hour");

-- CreateIndex
CREATE INDEX "GpuTeamHour_hour_idx" ON "GpuTeamHour"("hour");

-- CreateIndex
CREATE INDEX "GpuTypeHour_hour_idx" ON "GpuTypeHour"("hour");

