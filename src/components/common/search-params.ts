import { firstValues, listQuerySchema, type ListQuery } from "@/lib/schemas/list-query";

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** A page's query as list pages read it: the first value of each parameter. */
export type QueryParams = Record<string, string | undefined>;

export async function readListQuery(
  searchParams: SearchParams,
): Promise<{ query: ListQuery; params: QueryParams }> {
  const params = firstValues(await searchParams);
  return { query: listQuerySchema.parse(params), params };
}

/** "?region=…&env=…" for links that keep the fleet filter, or "" when there is none. */
export function filterSuffix(params: QueryParams): string {
  const keep = new URLSearchParams();
  if (params.region) keep.set("region", params.region);
  if (params.env) keep.set("env", params.env);
  return keep.toString() ? `?${keep.toString()}` : "";
}

/** The query without the given parameters. */
export function omit(params: QueryParams, names: readonly string[]): QueryParams {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !names.includes(k)));
}

/** `basePath` with `params` as its query, leaving out empty values. */
export function hrefWith(basePath: string, params: QueryParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${basePath}?${s}` : basePath;
}
