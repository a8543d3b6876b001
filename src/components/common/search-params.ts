import { firstValues, listQuerySchema, type ListQuery } from "@/lib/schemas/list-query";

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export async function readListQuery(
  searchParams: SearchParams,
): Promise<{ query: ListQuery; params: Record<string, string | undefined> }> {
  const params = firstValues(await searchParams);
  return { query: listQuerySchema.parse(params), params };
}

/** "?region=…&env=…" for links that keep the fleet filter, or "" when there is none. */
export function filterSuffix(params: Record<string, string | undefined>): string {
  const keep = new URLSearchParams();
  if (params.region) keep.set("region", params.region);
  if (params.env) keep.set("env", params.env);
  return keep.toString() ? `?${keep.toString()}` : "";
}
