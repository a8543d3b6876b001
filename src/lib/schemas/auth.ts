import { z } from "zod";

export const signInSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password.").max(200),
  callbackUrl: z.string().optional(),
});

export interface SignInState {
  error: string | null;
  email: string;
}
