-- The command palette's search (src/server/navigation/search.ts): typo-tolerant name matching
-- with pg_trgm, a trusted extension since PostgreSQL 13 (a database owner may create it).
-- The indexes serve both similarity (%) and substring (ILIKE '%…%') matches.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX "Model_name_trgm_idx" ON "Model" USING gin ("name" gin_trgm_ops);
CREATE INDEX "Model_displayName_trgm_idx" ON "Model" USING gin ("displayName" gin_trgm_ops);
CREATE INDEX "Cluster_name_trgm_idx" ON "Cluster" USING gin ("name" gin_trgm_ops);
CREATE INDEX "Slo_name_trgm_idx" ON "Slo" USING gin ("name" gin_trgm_ops);
CREATE INDEX "Incident_title_trgm_idx" ON "Incident" USING gin ("title" gin_trgm_ops);
