/**
 * The platform boundary (see ARCHITECTURE.md). This first slice holds the health contract that
 * every adapter implements; inventory, workloads, rollout driver, metrics and training
 * interfaces join it as the platform layer grows.
 */
export type HealthStatus = "ok" | "degraded" | "down";

export interface AdapterHealth {
  adapter: string;
  status: HealthStatus;
  detail: string;
  checkedAt: Date;
}

export interface HealthCheck {
  health(): Promise<AdapterHealth>;
}

/** Every platform call has a deadline; an elapsed one is an unknown outcome, never success. */
export class TimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly ms: number,
  ) {
    super(`${operation} did not answer within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export async function withTimeout<T>(operation: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(operation, ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
