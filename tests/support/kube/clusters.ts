import type { PrismaClient } from "../../../src/generated/prisma/client";
import { attachControllers, type KubeControllers } from "./controllers";
import { kubeconfigFor } from "./kubeconfig";
import { KubeApiServer } from "./server";
import type { KubeObject } from "./types";

/** Test clusters: an API test server per cluster, loaded with its objects, and one kubeconfig. */
export interface TestClusters {
  servers: Map<string, KubeApiServer>;
  /** the Argo Rollouts and KServe controllers, when started with them */
  controllers: KubeControllers[];
  /** a kubeconfig file with a context per cluster, named after it */
  kubeconfig: string;
  server(name: string): KubeApiServer;
  stop(): Promise<void>;
}

/**
 * Starts an API test server per cluster (`bookmarkIntervalMs`: how often an idle watch hears it
 * is current), loads its objects, attaches the controllers unless `controllers: false`, and
 * writes the kubeconfig. `tls` names the clusters served over TLS (kubectl sends a token only
 * over https).
 */
export async function startTestClusters(
  clusters: readonly { name: string; objects: readonly KubeObject[] }[],
  options: { bookmarkIntervalMs: number; controllers?: boolean; tls?: readonly string[] },
): Promise<TestClusters> {
  const servers = new Map<string, KubeApiServer>();
  const controllers: KubeControllers[] = [];
  for (const c of clusters) {
    const server = new KubeApiServer({
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      tls: options.tls?.includes(c.name) ?? false,
    });
    await server.up();
    server.store.load(c.objects);
    servers.set(c.name, server);
    if (options.controllers ?? true) controllers.push(attachControllers(server));
  }
  const kubeconfig = kubeconfigFor(
    clusters.map((c) => ({ name: c.name, server: servers.get(c.name)! })),
  );
  return {
    servers,
    controllers,
    kubeconfig,
    server(name) {
      const server = servers.get(name);
      if (!server) throw new Error(`no test cluster ${name}`);
      return server;
    },
    async stop() {
      for (const c of controllers) c.stop();
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}

/** The platform's artifact lookup, from the registry of a test database (as the app's is). */
export function registryArtifacts(prisma: PrismaClient) {
  return (model: string, version: string) =>
    prisma.modelVersion.findFirst({
      where: { version, model: { name: model } },
      select: { imageDigest: true, artifactUri: true },
    });
}
