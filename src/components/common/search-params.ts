import { firstValues, listQuerySchema, type ListQuery } from "@/lib/schemas/list-query";

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function readListQuery(
  searchParams: SearchParams,
): Promise<{ query: ListQuery; params: Record<string, string | undefined> }> {
  const params = firstValues(await searchParams);
  return { query: listQuerySchema.parse(params), params };
}
