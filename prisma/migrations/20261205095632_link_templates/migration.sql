-- AlterTable
ALTER TABLE "IncidentAlert" ADD COLUMN     "generatorUrl" TEXT,
ADD COLUMN     "runbookUrl" TEXT;

-- CreateTable
CREATE TABLE "LinkTemplate" (
    "id" TEXT NOT NULL,
    "subjectKind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "urlTemplate" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LinkTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LinkTemplate_subjectKind_subject_label_key" ON "LinkTemplate"("subjectKind", "subject", "label");

