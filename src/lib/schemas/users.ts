import { z } from "zod";
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
