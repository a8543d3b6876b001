-- CreateIndex
CREATE INDEX "SliBucket_resolution_start_idx" ON "SliBucket"("resolution", "start");

