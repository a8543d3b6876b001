-- CreateIndex
CREATE INDEX "Rollout_finishedAt_idx" ON "Rollout"("finishedAt");

