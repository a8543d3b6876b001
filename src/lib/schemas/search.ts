import { z } from "zod";
import { MAX_QUERY_LENGTH, SEARCH_KINDS } from "@/lib/domain/navigation/search";

/** `GET /api/v1/search?q=`: the command palette's query. */
export const searchQuerySchema = z.object({
  q: z
    .string()
    .max(MAX_QUERY_LENGTH, `Search for at most ${MAX_QUERY_LENGTH} characters.`)
    .default("")
    .describe(
      "Names (typos forgiven), an incident's or promotion's number (42 or #42), and a version " +
        "(3.1, v3.1.0). Empty: open incidents and rollouts in flight.",
    ),
});

export const searchResultSchema = z.object({
  kind: z.enum(SEARCH_KINDS),
  key: z.string().describe("unique among the results"),
  title: z.string(),
  detail: z.string(),
  href: z.string().describe("the object's page"),
  actions: z
    .array(
      z.object({
        label: z.string(),
        href: z
          .string()
          .describe("the object's page with this action's confirmation open (?act=…)"),
        destructive: z.boolean(),
      }),
    )
    .describe("what the caller may do to the object now"),
});

export const searchResponseSchema = z.object({ results: z.array(searchResultSchema) });
