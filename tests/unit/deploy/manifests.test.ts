// deploy/kubernetes as `kubectl apply -k` would send it: every object valid against the
// Kubernetes API schemas (kubernetes-models' validators) or, for the Prometheus Operator's
// kinds, against their CRD schema; and the properties the deployment depends on: two web
// replicas, probes on the live and ready endpoints, non-root read-only containers, Services and
// selectors that find the pods, one image, one Secret, and a ServiceMonitor whose job label is
// the one the PrometheusRule selects.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import * as apps from "kubernetes-models/apps/v1";
import * as batch from "kubernetes-models/batch/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as core from "kubernetes-models/v1";
import { beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import {
  configMapData,
  find,
  isObj,
  podTemplate,
  readManifests,
  renderKustomization,
  ROOT,
  type Container,
  type KubeObject,
  type Obj,
} from "./support";

interface Model {
  apiVersion: string;
  kind: string;
  new (data: Obj): { validate(): void };
}

const isModel = (v: unknown): v is Model =>
  typeof v === "function" &&
  typeof (v as Partial<Model>).apiVersion === "string" &&
  typeof (v as Partial<Model>).kind === "string";

/** kubernetes-models' classes by `apiVersion/kind`, for every group the manifests use. */
const MODELS = new Map(
  [core, apps, batch, policy, rbac]
    .flatMap((group) => Object.values(group))
    .filter(isModel)
    .map((model) => [`${model.apiVersion}/${model.kind}`, model]),
);

const schemas = YAML.parse(
  readFileSync(path.join(ROOT, "tests/fixtures/prometheus-operator/schemas.yaml"), "utf8"),
) as Record<string, Obj>;
const ajv = new Ajv({ allErrors: true, strict: false });
const CRD_VALIDATORS = new Map(
  ["ServiceMonitor", "PrometheusRule"].map((kind) => [
    `monitoring.coreos.com/v1/${kind}`,
    ajv.compile(schemas[kind] ?? {}),
  ]),
);

/** Every problem of one object, or [] when it is valid. */
function problems(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const model = MODELS.get(key);
  if (model) {
    try {
      new model(object).validate();
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  const crd = CRD_VALIDATORS.get(key);
  if (!crd) return [`no schema for ${key}`];
  if (crd(object)) return [];
  return (crd.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
}

let objects: KubeObject[] = [];
beforeAll(() => {
  objects = renderKustomization();
});

const clone = <T>(value: T): T => structuredClone(value);
const containerOf = (object: KubeObject): Container => {
  const container = podTemplate(object).spec.containers[0];
  if (!container) throw new Error(`${object.kind}/${object.metadata.name} has no container`);
  return container;
};
const WORKLOADS = [
  ["Deployment", "flightdeck-web"],
  ["Deployment", "flightdeck-worker"],
  ["Job", "flightdeck-migrate"],
] as const;

describe("deploy/kubernetes, rendered by kubectl kustomize", () => {
  it("holds exactly Flightdeck's objects, each valid against its API schema", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ClusterRole/flightdeck",
      "ClusterRoleBinding/flightdeck",
      "ConfigMap/flightdeck-config",
      "Deployment/flightdeck-web",
      "Deployment/flightdeck-worker",
      "Job/flightdeck-migrate",
      "Namespace/flightdeck",
      "PodDisruptionBudget/flightdeck-web",
      "PrometheusRule/flightdeck",
      "Service/flightdeck-web",
      "Service/flightdeck-worker",
      "ServiceAccount/flightdeck",
      "ServiceMonitor/flightdeck",
    ]);
    for (const object of objects) {
      expect(problems(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
    }
  });

  it("refuses broken objects (the validators are not a formality)", () => {
    const web = clone(find(objects, "Deployment", "flightdeck-web"));
    (web.spec as Obj).replicas = "2";
    expect(problems(web).join()).toContain("replicas must be integer");
    const job = clone(find(objects, "Job", "flightdeck-migrate"));
    delete (containerOf(job) as Partial<Container>).name;
    expect(problems(job).join()).toContain("containers/0 must have required property name");
    const monitor = clone(find(objects, "ServiceMonitor", "flightdeck"));
    const endpoint = ((monitor.spec as Obj).endpoints as Obj[])[0] as Obj;
    endpoint.bearerTokenSecrett = { key: "x" };
    endpoint.interval = "30 seconds";
    expect(problems(monitor)).toEqual([
      "/spec/endpoints/0 must NOT have additional properties",
      '/spec/endpoints/0/interval must match pattern "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"',
    ]);
    const rule = clone(find(objects, "PrometheusRule", "flightdeck"));
    const group = ((rule.spec as Obj).groups as Obj[])[0] as Obj;
    group.rules = [{ record: "no:expr" }];
    expect(problems(rule)).toEqual(["/spec/groups/0/rules/0 must have required property 'expr'"]);
    expect(problems({ ...web, apiVersion: "apps/v1beta1" })).toEqual([
      "no schema for apps/v1beta1/Deployment",
    ]);
  });

  it("puts every namespaced object in the flightdeck namespace", () => {
    const clusterScoped = ["Namespace", "ClusterRole", "ClusterRoleBinding"];
    for (const object of objects) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(
        clusterScoped.includes(object.kind) ? undefined : "flightdeck",
      );
    }
    const binding = find(objects, "ClusterRoleBinding", "flightdeck");
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "flightdeck", namespace: "flightdeck" },
    ]);
  });

  it("runs two web replicas, never both down at once, probed on the live and ready endpoints", () => {
    const web = find(objects, "Deployment", "flightdeck-web");
    expect((web.spec as Obj).replicas).toBe(2);
    const pdb = find(objects, "PodDisruptionBudget", "flightdeck-web");
    expect((pdb.spec as Obj).maxUnavailable).toBe(1);
    expect(((pdb.spec as Obj).selector as Obj).matchLabels).toEqual(
      ((web.spec as Obj).selector as Obj).matchLabels,
    );
    const port = Number(configMapData(objects).PORT);
    for (const name of ["flightdeck-web", "flightdeck-worker"]) {
      const c = containerOf(find(objects, "Deployment", name));
      expect(c.ports, name).toEqual([{ name: "http", containerPort: port }]);
      expect(c.livenessProbe?.httpGet, name).toEqual({ path: "/api/health/live", port: "http" });
      expect(c.startupProbe?.httpGet, name).toEqual({ path: "/api/health/live", port: "http" });
      expect(c.readinessProbe?.httpGet, name).toEqual({ path: "/api/health/ready", port: "http" });
    }
  });

  it.each(WORKLOADS)(
    "%s %s runs the one image's command as non-root with a read-only root filesystem",
    (kind, name) => {
      const template = podTemplate(find(objects, kind, name));
      const [container, ...others] = template.spec.containers;
      expect(others).toEqual([]);
      expect(container?.image).toBe("registry.example.com/flightdeck:0.1.0");
      expect(container?.command).toBeUndefined(); // the image's ENTRYPOINT: node flightdeck.mjs
      expect(container?.args).toEqual([name.replace("flightdeck-", "")]);
      expect(template.spec.serviceAccountName).toBe("flightdeck");
      expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container?.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(container?.resources?.requests).toHaveProperty("memory");
      expect(container?.resources?.limits).toHaveProperty("memory");
      // The one writable place a process needs: /tmp, on an emptyDir.
      const tmp = container?.volumeMounts?.find((m) => m.mountPath === "/tmp");
      expect(template.spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    },
  );

  it("reads settings from the ConfigMap and secrets from the user's Secret only", () => {
    const example = readManifests("deploy/kubernetes/secret.example.yaml");
    expect(example.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Secret/flightdeck"]);
    const [secret] = example;
    expect(secret && problems(secret)).toEqual([]);
    // The example documents the Secret; it must never be applied with the kustomization.
    expect(objects.some((o) => o.kind === "Secret")).toBe(false);
    const keys = Object.keys((secret?.stringData ?? {}) as Obj);
    for (const [kind, name] of WORKLOADS) {
      const c = containerOf(find(objects, kind, name));
      expect(c.envFrom, name).toEqual([{ configMapRef: { name: "flightdeck-config" } }]);
      for (const v of c.env ?? []) {
        const ref = v.valueFrom?.secretKeyRef;
        expect(ref, `${name} ${v.name}`).toBeDefined();
        expect(ref?.name).toBe("flightdeck");
        expect(ref?.key).toBe(v.name);
        expect(keys).toContain(ref?.key);
      }
    }
    expect(keys.sort()).toEqual([
      "AUTH_SECRET",
      "DATABASE_URL",
      "FLIGHTDECK_ENCRYPTION_KEY",
      "FLIGHTDECK_METRICS_TOKEN",
      "FLIGHTDECK_TRAFFIC_HOOK_TOKEN",
      "OIDC_CLIENT_SECRET",
    ]);
  });

  it("migrates before anything is ready, without Kubernetes API credentials", () => {
    const job = find(objects, "Job", "flightdeck-migrate");
    const template = podTemplate(job);
    expect(template.spec.automountServiceAccountToken).toBe(false);
    expect(template.spec.restartPolicy).toBe("OnFailure");
    expect(containerOf(job).env?.map((v) => v.name)).toEqual(["DATABASE_URL"]);
  });

  it("gives each Service the pods of one Deployment, on the container's named port", () => {
    for (const [service, deployment] of [
      ["flightdeck-web", "flightdeck-web"],
      ["flightdeck-worker", "flightdeck-worker"],
    ] as const) {
      const spec = find(objects, "Service", service).spec as {
        selector: Record<string, string>;
        ports: { name: string; targetPort: string }[];
      };
      const pods = objects
        .filter((o) => o.kind === "Deployment" || o.kind === "Job")
        .filter((o) => {
          const labels = podTemplate(o).metadata.labels;
          return Object.entries(spec.selector).every(([k, v]) => labels[k] === v);
        })
        .map((o) => o.metadata.name);
      expect(pods, service).toEqual([deployment]);
      expect(spec.ports.map((p) => [p.name, p.targetPort])).toEqual([["http", "http"]]);
    }
  });

  it("scrapes web and worker with the metrics token, as the job the SLO rules select", () => {
    const monitor = find(objects, "ServiceMonitor", "flightdeck");
    const spec = monitor.spec as {
      jobLabel: string;
      selector: { matchLabels: Record<string, string> };
      endpoints: Obj[];
    };
    const services = objects
      .filter((o) => o.kind === "Service")
      .filter((o) =>
        Object.entries(spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
      );
    expect(services.map((s) => s.metadata.name).sort()).toEqual([
      "flightdeck-web",
      "flightdeck-worker",
    ]);
    const jobs = new Set(services.map((s) => s.metadata.labels?.[spec.jobLabel]));
    expect([...jobs]).toEqual(["flightdeck"]);
    expect(spec.endpoints).toEqual([
      {
        port: "http",
        path: "/metrics",
        interval: "30s",
        scrapeTimeout: "10s",
        authorization: {
          type: "Bearer",
          credentials: { name: "flightdeck", key: "FLIGHTDECK_METRICS_TOKEN" },
        },
      },
    ]);
    // The token the app checks is the one Prometheus sends.
    for (const name of ["flightdeck-web", "flightdeck-worker"]) {
      const token = containerOf(find(objects, "Deployment", name)).env?.find(
        (v) => v.name === "FLIGHTDECK_METRICS_TOKEN",
      );
      expect(token?.valueFrom?.secretKeyRef).toEqual({
        name: "flightdeck",
        key: "FLIGHTDECK_METRICS_TOKEN",
      });
    }
    // Every selector in the rules names that job, so the rules read what this scrapes.
    const rule = JSON.stringify(find(objects, "PrometheusRule", "flightdeck").spec);
    const selected = new Set([...rule.matchAll(/job=\\"([^\\]*)\\"/g)].map((m) => m[1]));
    expect([...selected]).toEqual(["flightdeck"]);
  });

  it("keeps the adapter's least-privilege RBAC (no Secrets, no create or delete)", () => {
    const role = find(objects, "ClusterRole", "flightdeck");
    const rules = role.rules as { resources: string[]; verbs: string[] }[];
    expect(rules.flatMap((r) => r.resources)).not.toContain("secrets");
    for (const verb of rules.flatMap((r) => r.verbs)) {
      expect(["get", "list", "watch", "patch"]).toContain(verb);
    }
    expect(isObj(find(objects, "ServiceAccount", "flightdeck"))).toBe(true);
  });
});
