-- The command palette's first answer (an empty query): open incidents and rollouts in flight,
-- read through partial indexes that hold only those few rows, whatever the history's size.
CREATE INDEX "Rollout_in_flight_createdAt_idx" ON "Rollout" ("createdAt")
  WHERE "status" IN ('pending', 'progressing', 'paused', 'analyzing', 'degraded');
CREATE INDEX "Incident_open_severity_detectedAt_idx" ON "Incident" ("severity", "detectedAt")
  WHERE "status" IN ('triage', 'investigating', 'mitigated');
