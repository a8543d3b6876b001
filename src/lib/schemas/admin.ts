import { z } from "zod";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import { ROLES } from "@/lib/domain/access/roles";

const id = z.string().trim().min(1, "Missing id.").max(64);
const roleOrNone = z.enum([...ROLES, "none"]).transform((r) => (r === "none" ? null : r));
const teamOrNone = z
  .string()
  .trim()
  .max(64)
  .optional()
  .transform((t) => (t ? t : null));

export const createUserSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address.").max(200),
  name: z.string().trim().min(1, "Enter a name.").max(120),
  role: roleOrNone,
  teamId: teamOrNone,
  password: z
    .string()
    .min(12, "Passwords need at least 12 characters.")
    .max(200, "Passwords are at most 200 characters."),
});
export type CreateUserInput = z.input<typeof createUserSchema>;
export type CreateUserData = z.output<typeof createUserSchema>;

export const updateUserSchema = z.object({
  userId: id,
  role: roleOrNone,
  teamId: teamOrNone,
  version: z.coerce.number().int().positive(),
});
export type UpdateUserInput = z.input<typeof updateUserSchema>;
export type UpdateUserData = z.output<typeof updateUserSchema>;

export const setUserDisabledSchema = z.object({
  userId: id,
  disabled: z.boolean(),
  version: z.coerce.number().int().positive(),
});
export type SetUserDisabledInput = z.input<typeof setUserDisabledSchema>;
export type SetUserDisabledData = z.output<typeof setUserDisabledSchema>;

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
