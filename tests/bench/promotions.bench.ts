import { it } from "vitest";
import type { Actor } from "@/server/auth/session";
import {
  getPromotion,
  listPromotions,
  pendingApprovalCount,
  promotionQueue,
} from "@/server/promotions/queries";
import { promotionListQuerySchema } from "@/lib/schemas/promotions";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";

const prisma = connectTestDatabase();
const REQUESTS = 20_000;
const VERSIONS = 2_000;

/**
 * 2,000 versions of one model and 20,000 promotion requests with 30,000 decisions: a registry
 * years old. Open requests (one per version and tier at most) are a few hundred; the rest closed.
 */
async function seedRegistry() {
  await prisma.$executeRawUnsafe(`
    INSERT INTO "ModelVersion" (id, "modelId", version, "imageDigest", "artifactUri",
      "trainingRunId", "datasetDigest", "codeCommit", "baseImageDigest", "evalMetrics", "createdBy")
    SELECT 'bench-v' || i, m.id, 'bench-' || i,
           'registry.bench/ranker-xl@sha256:' || lpad(to_hex(i), 64, '0'), 's3://bench/' || i,
           'run-' || i, 'sha256:' || repeat('d', 64), repeat('e', 40),
           'registry.bench/base@sha256:' || repeat('b', 64),
           jsonb_build_object('ndcg@10', 0.7 + (i % 100) / 1000.0, 'calibration_ece', 0.03,
                              'p99_latency_ms', 100),
           'bench'
    FROM generate_series(1, ${VERSIONS}) i, (SELECT id FROM "Model" WHERE name = 'ranker-xl') m
    ON CONFLICT DO NOTHING`);
  const rm = await prisma.user.findUniqueOrThrow({ where: { email: "release@flightdeck.demo" } });
  const rm2 = await prisma.user.findUniqueOrThrow({ where: { email: "release2@flightdeck.demo" } });
  await prisma.$executeRawUnsafe(`
    INSERT INTO "PromotionRequest" (id, "modelId", "modelVersionId", tier, regions, justification,
      status, "requiredApprovals", "requestedById", "requestedAt", "updatedAt")
    SELECT 'bench-p' || i, v."modelId", v.id,
           (CASE WHEN i % 2 = 0 THEN 'production' ELSE 'staging' END)::"EnvironmentTier",
           ARRAY['us-east-1'], 'bench request',
           (CASE WHEN i <= 400 THEN 'pending'
                 WHEN i % 3 = 0 THEN 'started' WHEN i % 3 = 1 THEN 'rejected'
                 ELSE 'withdrawn' END)::"PromotionStatus",
           2, (CASE WHEN i % 2 = 0 THEN '${rm.id}' ELSE '${rm2.id}' END),
           now() - (i || ' minutes')::interval, now()
    FROM generate_series(1, ${REQUESTS}) i
    JOIN "ModelVersion" v ON v.id = 'bench-v' || (((i - 1) / 2) % ${VERSIONS} + 1)
    ON CONFLICT DO NOTHING`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO "PromotionApproval" (id, "requestId", "approverId", decision, comment)
    SELECT 'bench-a' || p.id || '-' || u.email, p.id, u.id, 'approve', ''
    FROM "PromotionRequest" p
    JOIN "User" u ON u.email IN ('admin@flightdeck.demo', 'release2@flightdeck.demo')
    WHERE p.id LIKE 'bench-p%' AND p.status <> 'pending'
      AND (u.email = 'admin@flightdeck.demo' OR p."requestedById" <> u.id)
    ON CONFLICT DO NOTHING`);
  return { rm: rm.id };
}

async function cleanUp() {
  await prisma.promotionRequest.deleteMany({ where: { id: { startsWith: "bench-p" } } });
  await prisma.modelVersion.deleteMany({ where: { id: { startsWith: "bench-v" } } });
}

it("promotion queue and evidence page at registry scale", async () => {
  const { rm } = await seedRegistry();
  try {
    const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    const actor: Actor = {
      kind: "user",
      id: rm,
      email: "release@flightdeck.demo",
      name: "Rosa",
      role: "release_manager",
      teamId: team.id,
      teamName: team.name,
    };
    const q = (params: Record<string, string>) => promotionListQuerySchema.parse(params);
    console.log(
      `${await prisma.promotionRequest.count()} requests, ${await prisma.promotionApproval.count()} decisions`,
    );
    await time("promotions list, page 1", 30, () => listPromotions(actor, q({})));
    await time("promotions list, page 200", 30, () => listPromotions(actor, q({ page: "200" })));
    await time("promotions list, open only", 30, () =>
      listPromotions(actor, q({ status: "open" })),
    );
    await time("promotions list, mine, ranker-xl", 30, () =>
      listPromotions(actor, q({ mine: "1", model: "ranker-xl" })),
    );
    await time("navigation badge (pending approvals count)", 50, () => pendingApprovalCount(actor));
    await time("home page queue", 30, () => promotionQueue(actor));
    const open = await prisma.promotionRequest.findFirstOrThrow({
      where: { id: { startsWith: "bench-p" }, status: "pending", tier: "production" },
      select: { number: true },
    });
    await time("promotion page with live gates", 20, () => getPromotion(actor, open.number));
  } finally {
    await cleanUp();
  }
}, 600_000);
