import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import type { Prisma } from "@/server/db/client";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { assertCanRead } from "@/server/access/authorize";
import { environmentWhere } from "@/server/db/filters";

export interface ModelRow {
  id: string;
  name: string;
  displayName: string;
  task: string;
  teamName: string;
  versionCount: number;
  latestVersion: string | null;
  latestCreatedAt: Date | null;
  running: { version: string; environment: string; trafficWeight: number }[];
}

export async function listModels(
  actor: Actor | null,
  query: ListQuery & { team?: string },
): Promise<Page<ModelRow>> {
  assertCanRead(actor);
  const where: Prisma.ModelWhereInput = query.team ? { team: { slug: query.team } } : {};
  const total = await db().model.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const models = await db().model.findMany({
    where,
    orderBy: { name: "asc" },
    skip,
    take,
    select: {
      id: true,
      name: true,
      displayName: true,
      task: true,
      team: { select: { name: true } },
      _count: { select: { versions: true } },
      versions: {
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { version: true, createdAt: true },
      },
      deployments: {
        where: { environment: environmentWhere(query) },
        orderBy: [{ environment: { name: "asc" } }],
        select: {
          trafficWeight: true,
          modelVersion: { select: { version: true } },
          environment: { select: { name: true } },
        },
      },
    },
  });
  const rows = models.map((m) => ({
    id: m.id,
    name: m.name,
    displayName: m.displayName,
    task: m.task,
    teamName: m.team.name,
    versionCount: m._count.versions,
    latestVersion: m.versions[0]?.version ?? null,
    latestCreatedAt: m.versions[0]?.createdAt ?? null,
    running: m.deployments.map((d) => ({
      version: d.modelVersion.version,
      environment: d.environment.name,
      trafficWeight: d.trafficWeight,
    })),
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}

/** Every model's name, for filters. */
export async function listModelNames(actor: Actor | null): Promise<string[]> {
  assertCanRead(actor);
  const rows = await db().model.findMany({ orderBy: { name: "asc" }, select: { name: true } });
  return rows.map((r) => r.name);
}
