-- The command palette finds training jobs by name (src/server/navigation/search.ts), as it finds
-- models, clusters and SLOs: the same pg_trgm index for similarity (%) and ILIKE '%…%'.
CREATE INDEX "TrainingJob_name_trgm_idx" ON "TrainingJob" USING gin ("name" gin_trgm_ops);
