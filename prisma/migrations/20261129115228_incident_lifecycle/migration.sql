-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "affectedModels" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "affectedRegions" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "communications" TEXT,
ADD COLUMN     "declaredBy" TEXT,
ADD COLUMN     "linkedSlos" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "Incident_declaredBy_title_detectedAt_idx" ON "Incident"("declaredBy", "title", "detectedAt");

-- Backfill: existing incidents list their one model and region in the new arrays.
UPDATE "Incident" AS i SET "affectedModels" = ARRAY[m."name"]
FROM "Model" AS m WHERE m."id" = i."modelId";
UPDATE "Incident" SET "affectedRegions" = ARRAY["regionCode"] WHERE "regionCode" IS NOT NULL;
