// A production-shaped set of app processes on one PostgreSQL: web and worker replicas that a
// scenario kills and starts again on the same port, and requests spread over the web replicas
// that are up.
import { signIn, startApp, type AppProcess, type Role } from "./app";

export interface Replica {
  role: Role;
  port: number;
  app: AppProcess | null;
}

export class Replicas {
  readonly replicas: Replica[] = [];
  /** pids of every process killed, for the leases they held */
  readonly killed: number[] = [];

  constructor(
    private readonly databaseUrl: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Starts `web` web and `worker` worker processes, all at once, on ports from `port`. */
  async start(counts: { web: number; worker: number }, port: () => number): Promise<void> {
    const roles: Role[] = [
      ...Array<Role>(counts.web).fill("web"),
      ...Array<Role>(counts.worker).fill("worker"),
    ];
    const replicas = roles.map((role) => ({ role, port: port(), app: null }) as Replica);
    this.replicas.push(...replicas);
    await Promise.all(replicas.map((r) => this.up(r)));
  }

  private async up(replica: Replica): Promise<void> {
    replica.app = await startApp(replica.role, {
      databaseUrl: this.databaseUrl,
      port: replica.port,
      env: this.env,
    });
  }

  /** The web replicas that are up now. */
  webs(): AppProcess[] {
    return this.replicas
      .filter((r) => r.role === "web" && r.app && !r.app.exited())
      .map((r) => r.app as AppProcess);
  }

  /** A web replica that is up, at random. */
  web(): AppProcess {
    const up = this.webs();
    const pick = up[Math.floor(Math.random() * up.length)];
    if (!pick) throw new Error("no web process is up");
    return pick;
  }

  /** Restarts in progress. */
  private readonly restarting = new Set<Promise<void>>();

  /**
   * kill -9 of `replica`, then starts it again on its port in the background (`settled()` waits
   * for it). Resolves with the killed pid once the process is gone.
   */
  async killAndRestart(replica: Replica, options: { downMs?: number } = {}): Promise<number> {
    const app = replica.app;
    if (!app) return 0;
    replica.app = null;
    this.killed.push(app.pid);
    await app.kill("SIGKILL");
    const restart = (async () => {
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      await this.up(replica);
    })();
    this.restarting.add(restart);
    void restart.finally(() => this.restarting.delete(restart)).catch(() => undefined);
    return app.pid;
  }

  /** Replicas that are up and may be killed now: never the last web replica that is up. */
  killable(): Replica[] {
    const webs = this.replicas.filter((r) => r.role === "web" && r.app).length;
    return this.replicas.filter((r) => r.app && (r.role !== "web" || webs > 1));
  }

  /** Resolves once every restart has finished (rejects if one failed). */
  async settled(): Promise<void> {
    while (this.restarting.size > 0) await Promise.all([...this.restarting]);
  }

  /** Outputs of the processes up now, for a report. */
  outputs(): string {
    return this.replicas
      .map((r) => `--- ${r.role} :${r.port}\n${r.app?.output().slice(-2000) ?? "(down)"}`)
      .join("\n");
  }
}

/**
 * A signed-in person's cookie, valid on every web replica (they share the session secret).
 * Signs in on any web replica that is up.
 */
export async function signInAny(replicas: Replicas, email: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await signIn(replicas.web().url, email);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
