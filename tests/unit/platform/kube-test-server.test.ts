// The pure parts of the Kubernetes test API server (tests/support/kube): selectors, the patch
// formats, the printer columns' JSONPath and ages. The server itself is tested against kubectl
// in tests/integration/platform/kube-api-server.test.ts.
import { describe, expect, it } from "vitest";
import { KubeStatusError } from "../../support/kube/errors";
import { evaluateJsonPath } from "../../support/kube/jsonpath";
import { jsonPatch, mergePatch, strategicMergePatch } from "../../support/kube/patch";
import { humanDuration } from "../../support/kube/resources";
import { integer } from "../../support/kube/tls";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "../../support/kube/selectors";

describe("label selectors", () => {
  const labels = { app: "ranker", tier: "gold", "flightdeck.dev/version": "2.1.0", replicas: "3" };
  const cases: [string, boolean][] = [
    ["", true],
    ["app=ranker", true],
    ["app==ranker", true],
    ["app!=ranker", false],
    ["app!=other", true],
    ["missing!=x", true],
    ["app in (ranker, embedder)", true],
    ["app notin (ranker)", false],
    ["missing notin (x)", true],
    ["tier", true],
    ["!tier", false],
    ["!missing", true],
    ["app=ranker,tier=silver", false],
    ["flightdeck.dev/version in (2.1.0,2.2.0),app", true],
    ["replicas>2", true],
    ["replicas<3", false],
    ["app=", false],
  ];
  it.each(cases)("%s matches: %s", (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it("refuses malformed selectors with 400", () => {
    for (const bad of ["app in ranker", "in (a)", "app=ranker,", "app notin ()", "-bad-=x"]) {
      expect(() => parseLabelSelector(bad), bad).toThrow(KubeStatusError);
    }
  });
});

describe("field selectors", () => {
  it("parses =, == and != with escapes", () => {
    expect(
      parseFieldSelector("metadata.name=a\\,b,status.phase!=Failed,spec.nodeName==n1"),
    ).toEqual([
      { field: "metadata.name", op: "=", value: "a,b" },
      { field: "status.phase", op: "!=", value: "Failed" },
      { field: "spec.nodeName", op: "=", value: "n1" },
    ]);
    const fields: Record<string, string> = { "status.phase": "Running", "spec.nodeName": "n1" };
    expect(
      matchesFields(
        parseFieldSelector("status.phase!=Failed,spec.nodeName=n1"),
        (f) => fields[f] ?? "",
      ),
    ).toBe(true);
    expect(matchesFields(parseFieldSelector("spec.nodeName=n2"), (f) => fields[f] ?? "")).toBe(
      false,
    );
  });
});

describe("patches", () => {
  it("merge patch follows RFC 7386", () => {
    expect(mergePatch({ a: "b", c: { d: "e", f: "g" } }, { a: "z", c: { f: null } })).toEqual({
      a: "z",
      c: { d: "e" },
    });
    expect(mergePatch({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
    expect(mergePatch({ a: 1 }, { b: { c: null } })).toEqual({ a: 1, b: {} });
  });

  it("JSON patch follows RFC 6902 and answers 422 when it does not apply", () => {
    const doc = { spec: { steps: [{ setWeight: 10 }], replicas: 2 } };
    expect(
      jsonPatch(doc, [
        { op: "add", path: "/spec/steps/-", value: { pause: {} } },
        { op: "copy", from: "/spec/replicas", path: "/spec/minReplicas" },
        { op: "move", from: "/spec/minReplicas", path: "/spec/floor" },
        { op: "remove", path: "/spec/steps/0" },
        { op: "test", path: "/spec/floor", value: 2 },
      ]),
    ).toEqual({ spec: { steps: [{ pause: {} }], replicas: 2, floor: 2 } });
    expect(doc.spec.steps).toHaveLength(1);
    for (const ops of [
      [{ op: "remove", path: "/spec/nothing" }],
      [{ op: "replace", path: "/spec/nothing", value: 1 }],
      [{ op: "add", path: "/missing/deep", value: 1 }],
      [{ op: "test", path: "/spec/replicas", value: 3 }],
    ]) {
      try {
        jsonPatch(doc, ops);
        expect.unreachable(JSON.stringify(ops));
      } catch (e) {
        expect(e).toBeInstanceOf(KubeStatusError);
        expect((e as KubeStatusError).code).toBe(422);
      }
    }
  });

  it("strategic merge patch merges keyed lists and honours directives", () => {
    const pod = {
      metadata: { finalizers: ["a"] },
      spec: {
        containers: [
          { name: "server", image: "x:1", env: [{ name: "A", value: "1" }] },
          { name: "sidecar", image: "envoy:1" },
        ],
        tolerations: [{ key: "a" }],
      },
    };
    expect(
      strategicMergePatch(pod, {
        metadata: { finalizers: ["b"] },
        spec: {
          containers: [
            { name: "server", image: "x:2", env: [{ name: "B", value: "2" }] },
            { name: "sidecar", $patch: "delete" },
          ],
          tolerations: [{ key: "b" }],
        },
      }),
    ).toEqual({
      metadata: { finalizers: ["a", "b"] },
      spec: {
        containers: [
          {
            name: "server",
            image: "x:2",
            env: [
              { name: "A", value: "1" },
              { name: "B", value: "2" },
            ],
          },
        ],
        tolerations: [{ key: "b" }],
      },
    });
    expect(
      strategicMergePatch(pod, {
        metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] },
        spec: {
          $retainKeys: ["containers"],
          "$setElementOrder/containers": [{ name: "sidecar" }, { name: "server" }],
        },
      }),
    ).toMatchObject({
      metadata: { finalizers: [] },
      spec: { containers: [{ name: "sidecar" }, { name: "server" }] },
    });
  });
});

describe("printer columns", () => {
  const isvc = {
    status: {
      conditions: [{ type: "Ready", status: "True" }],
      components: {
        predictor: {
          traffic: [
            { tag: "latest", latestRevision: true, percent: 10, revisionName: "r3" },
            { tag: "prev", latestRevision: false, percent: 90, revisionName: "r2" },
          ],
        },
      },
    },
  };
  it("evaluates the JSONPath of CRD printer columns", () => {
    expect(evaluateJsonPath(isvc, ".status.conditions[?(@.type=='Ready')].status")).toEqual([
      "True",
    ]);
    expect(
      evaluateJsonPath(
        isvc,
        ".status.components.predictor.traffic[?(@.latestRevision==true)].percent",
      ),
    ).toEqual([10]);
    expect(
      evaluateJsonPath(isvc, ".status.components.predictor.traffic[?(@.tag=='prev')].revisionName"),
    ).toEqual(["r2"]);
    expect(evaluateJsonPath(isvc, ".status.components.predictor.traffic[1].tag")).toEqual(["prev"]);
    expect(evaluateJsonPath(isvc, ".status.missing")).toEqual([]);
  });

  it("prints ages like kubectl", () => {
    const s = 1000;
    expect(
      [
        59 * s,
        119 * s,
        150 * s,
        600 * s,
        3 * 3600 * s,
        7.5 * 3600 * s,
        30 * 3600 * s,
        50 * 3600 * s,
        9 * 86400 * s,
        800 * 86400 * s,
      ].map(humanDuration),
    ).toEqual(["59s", "119s", "2m30s", "10m", "3h", "7h30m", "30h", "2d2h", "9d", "2y70d"]);
  });
});

describe("the test server's certificates", () => {
  it("encode integers minimally, as DER requires (a serial starting 00 01 was refused)", () => {
    const hex = (b: Buffer) => integer(b).toString("hex");
    expect(hex(Buffer.from([0x00, 0x01, 0x02]))).toBe("02020102");
    expect(hex(Buffer.from([0x00, 0x00, 0x81]))).toBe("02020081");
    expect(hex(Buffer.from([0x81, 0x02]))).toBe("0203008102");
    expect(hex(Buffer.from([0x00]))).toBe("020100");
    expect(hex(Buffer.from([0x7f]))).toBe("02017f");
  });
});
