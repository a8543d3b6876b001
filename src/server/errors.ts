import "server-only";
import type { ErrorCode } from "@/lib/schemas/errors";

/** The one error type services throw; its message is safe to show to the user. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}
