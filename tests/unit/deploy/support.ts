// Shared by the deploy tests: the rendered kustomization, typed views of its objects, and the
// Dockerfile's instructions.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";

export const ROOT = path.resolve(import.meta.dirname, "../../..");
export const KUSTOMIZATION = "deploy/kubernetes";
/** scripts/ensure-kubectl.sh installs Debian's kubectl for `npm test`; KUBECTL_BIN names another. */
export const KUBECTL = process.env.KUBECTL_BIN ?? "kubectl";

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export interface KubeObject extends Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
  };
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number };
  containers: Container[];
  volumes?: { name: string; emptyDir?: Obj }[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

/** `kubectl kustomize deploy/kubernetes`: what `kubectl apply -k` would send. */
export function renderKustomization(): KubeObject[] {
  const run = spawnSync(KUBECTL, ["kustomize", KUSTOMIZATION], { cwd: ROOT, encoding: "utf8" });
  if (run.error) {
    throw new Error(
      `cannot run ${KUBECTL} (bash scripts/ensure-kubectl.sh installs it, or set KUBECTL_BIN): ${run.error.message}`,
    );
  }
  if (run.status !== 0) throw new Error(`kubectl kustomize ${KUSTOMIZATION} failed: ${run.stderr}`);
  return parseManifests(run.stdout);
}

export function parseManifests(text: string): KubeObject[] {
  return YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is KubeObject => isObj(d) && typeof d.kind === "string");
}

export function readManifests(file: string): KubeObject[] {
  return parseManifests(readFileSync(path.join(ROOT, file), "utf8"));
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in the rendered manifests`);
  return found;
}

/** The pod template of a Deployment or Job. */
export function podTemplate(object: KubeObject): PodTemplate {
  const spec = object.spec as { template: PodTemplate };
  return spec.template;
}

/** The ConfigMap's data, every value a string. */
export function configMapData(objects: KubeObject[]): Record<string, string> {
  return (find(objects, "ConfigMap", "flightdeck-config").data ?? {}) as Record<string, string>;
}

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** The Dockerfile's stages and instructions (comments dropped, continuation lines joined). */
export function dockerfileStages(text: string): Stage[] {
  const lines = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, " ") };
    if (instruction.keyword === "FROM") {
      const [from = "", as, name] = instruction.args.split(" ");
      stages.push({
        from,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword !== "ARG") throw new Error(`${line}: before the first FROM`);
    } else {
      stages[stages.length - 1]?.instructions.push(instruction);
    }
  }
  return stages;
}

export function readDockerfile(): Stage[] {
  return dockerfileStages(readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
}
