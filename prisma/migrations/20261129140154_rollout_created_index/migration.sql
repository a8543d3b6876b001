-- CreateIndex
CREATE INDEX "Rollout_createdAt_idx" ON "Rollout"("createdAt");

