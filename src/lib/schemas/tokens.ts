import { z } from "zod";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";

const id = z.string().trim().min(1, "Missing id.").max(64);

export const createTokenSchema = z.object({
  name: z
    .string()
    .trim()
    .min(3, "Token names need at least 3 characters.")
    .max(60)
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, "Use letters, digits, dots, dashes and underscores."),
  teamId: id,
  scopes: z
    .array(z.enum(TOKEN_SCOPES))
    .min(1, "Choose at least one scope.")
    .transform((s) => [...new Set(s)].sort()),
  /** every token expires: 90 days unless the admin creating it chooses another term */
  expiresInDays: z.coerce
    .number("Give the days until the token expires.")
    .int("Give a whole number of days.")
    .min(1, "Tokens last at least a day.")
    .max(365, "Tokens last at most 365 days; create a new one when it expires.")
    .default(90),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;
export type CreateTokenData = z.output<typeof createTokenSchema>;

export const revokeTokenSchema = z.object({ tokenId: id });
export type RevokeTokenInput = z.input<typeof revokeTokenSchema>;
export type RevokeTokenData = z.output<typeof revokeTokenSchema>;

/** Re-owning: the acting admin becomes the owner; `ownerId` is the owner the admin saw. */
export const reownTokenSchema = z.object({ tokenId: id, ownerId: id });
export type ReownTokenInput = z.input<typeof reownTokenSchema>;
export type ReownTokenData = z.output<typeof reownTokenSchema>;
