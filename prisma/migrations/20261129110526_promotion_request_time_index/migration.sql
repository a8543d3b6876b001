-- CreateIndex
CREATE INDEX "PromotionRequest_requestedAt_idx" ON "PromotionRequest"("requestedAt");

