-- The rollout engine's pass every second (`dueRollouts`): active rollouts, and any the platform
-- has not caught up with (`platformSynced` false, or a write being verified). The status index
-- answers the first; these partial indexes, which hold only the few rows waiting, answer the
-- others, so the pass no longer reads the whole history (22 ms a second on 20,000 rollouts).
CREATE INDEX "Rollout_unsynced_createdAt_idx" ON "Rollout" ("createdAt") WHERE NOT "platformSynced";
CREATE INDEX "Rollout_verifying_createdAt_idx" ON "Rollout" ("createdAt") WHERE "verifying";
