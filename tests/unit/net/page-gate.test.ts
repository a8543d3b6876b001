import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { isPageRender, PageGate } from "../../../src/lib/net/page-gate";

class Res extends EventEmitter {
  destroyed = false;
  end() {
    this.emit("close");
  }
  giveUp() {
    this.destroyed = true;
    this.emit("close");
  }
}

describe("the page gate", () => {
  it("knows a page render from everything else", () => {
    expect(isPageRender("GET", "/")).toBe(true);
    expect(isPageRender("GET", "/rollouts/abc?tab=events")).toBe(true);
    expect(isPageRender("HEAD", "/slos/x")).toBe(true);
    expect(isPageRender("POST", "/rollouts/abc")).toBe(false); // a server action
    expect(isPageRender("GET", "/api/v1/slos")).toBe(false);
    expect(isPageRender("GET", "/api/health/ready")).toBe(false);
    expect(isPageRender("GET", "/_next/static/chunks/a.js")).toBe(false);
    expect(isPageRender("GET", "/metrics")).toBe(false);
    expect(isPageRender("GET", "/favicon.ico")).toBe(false);
    expect(isPageRender("GET", "/logo.svg")).toBe(false);
  });

  it("starts renders up to its limit, then one per render that ends, in order", () => {
    const gate = new PageGate(2);
    const started: number[] = [];
    const responses = [0, 1, 2, 3].map(() => new Res());
    responses.forEach((res, i) => gate.run(res, () => started.push(i)));
    expect(started).toEqual([0, 1]);
    expect(gate.counts()).toEqual({ running: 2, waiting: 2 });
    responses[1]?.end();
    expect(started).toEqual([0, 1, 2]);
    responses[0]?.end();
    responses[2]?.end();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(gate.counts()).toEqual({ running: 1, waiting: 0 });
  });

  it("never starts a render whose client gave up while it waited", () => {
    const gate = new PageGate(1);
    const started: string[] = [];
    const first = new Res();
    const gone = new Res();
    const last = new Res();
    gate.run(first, () => started.push("first"));
    gate.run(gone, () => started.push("gone"));
    gate.run(last, () => started.push("last"));
    gone.giveUp();
    first.end();
    expect(started).toEqual(["first", "last"]);
    expect(gate.counts()).toEqual({ running: 1, waiting: 0 });
  });
});
