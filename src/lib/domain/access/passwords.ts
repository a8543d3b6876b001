/** bcrypt cost of every stored password: users created by admins, the CLI and the demo seed. */
export const PASSWORD_HASH_COST = 12;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `Passwords need at least ${PASSWORD_MIN_LENGTH} characters.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `Passwords are at most ${PASSWORD_MAX_LENGTH} characters.`;
  }
  return null;
}
