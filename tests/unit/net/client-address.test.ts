import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import {
  CLIENT_ADDRESS_HEADER,
  clientAddress,
  parseTrustedProxies,
  peerIsTrustedProxy,
  stampClientAddress,
} from "@/lib/net/client-address";

function request(peer: string | undefined, headers: Record<string, string> = {}) {
  return {
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers,
  } as unknown as IncomingMessage;
}

describe("parseTrustedProxies", () => {
  it("trusts nobody by default", () => {
    expect(parseTrustedProxies(undefined)).toEqual({ kind: "hops", hops: 0 });
    expect(parseTrustedProxies(" ")).toEqual({ kind: "hops", hops: 0 });
  });
  it("reads a number of proxies or a list of ranges", () => {
    expect(parseTrustedProxies("2")).toEqual({ kind: "hops", hops: 2 });
    expect(parseTrustedProxies("10.0.0.0/8, 192.168.1.5,fd00::/8")).toEqual({
      kind: "cidrs",
      cidrs: ["10.0.0.0/8", "192.168.1.5", "fd00::/8"],
    });
  });
  it.each(["10.0.0.0/99", "proxy.internal", "-1", "21"])("refuses %j", (raw) => {
    expect(() => parseTrustedProxies(raw)).toThrow(/FLIGHTDECK_TRUSTED_PROXIES/);
  });
});

describe("clientAddress", () => {
  const none = parseTrustedProxies(undefined);

  it("is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    const req = request("198.51.100.7", { "x-forwarded-for": "1.2.3.4", "x-real-ip": "5.6.7.8" });
    expect(clientAddress(req, none)).toBe("198.51.100.7");
  });

  it("writes an IPv4 peer on a dual-stack socket as IPv4", () => {
    expect(clientAddress(request("::ffff:127.0.0.1"), none)).toBe("127.0.0.1");
    expect(clientAddress(request("2001:db8::1"), none)).toBe("2001:db8::1");
  });

  it("takes the address the outermost trusted proxy saw, never one the client wrote", () => {
    // client forged "1.1.1.1"; the proxy (10.0.0.2) appended the client's real 203.0.113.9.
    const req = request("10.0.0.2", { "x-forwarded-for": "1.1.1.1, 203.0.113.9" });
    expect(clientAddress(req, parseTrustedProxies("1"))).toBe("203.0.113.9");
    expect(clientAddress(req, parseTrustedProxies("10.0.0.0/8"))).toBe("203.0.113.9");
    // The proxy is not trusted: its own address is the client.
    expect(clientAddress(req, parseTrustedProxies("192.168.0.0/16"))).toBe("10.0.0.2");
  });

  it("walks two trusted hops and stops at the first untrusted one", () => {
    const req = request("10.0.0.2", { "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.1" });
    expect(clientAddress(req, parseTrustedProxies("2"))).toBe("203.0.113.9");
    expect(clientAddress(req, parseTrustedProxies("10.0.0.0/8"))).toBe("203.0.113.9");
  });

  it("is null without a peer address", () => {
    expect(clientAddress(request(undefined), none)).toBeNull();
  });
});

describe("stampClientAddress", () => {
  it("replaces forged headers with the address it decided", () => {
    const req = request("198.51.100.7", {
      [CLIENT_ADDRESS_HEADER]: "6.6.6.6",
      "x-forwarded-for": "6.6.6.6",
      "x-real-ip": "6.6.6.6",
    });
    stampClientAddress(req, parseTrustedProxies(undefined));
    expect(req.headers).toEqual({
      [CLIENT_ADDRESS_HEADER]: "198.51.100.7",
      "x-forwarded-for": "198.51.100.7",
    });
  });
});

describe("peerIsTrustedProxy (whose X-Request-Id becomes the request's id)", () => {
  it("is no peer by default, every peer behind N trusted hops, and peers in the listed ranges", () => {
    expect(peerIsTrustedProxy(request("203.0.113.9"), parseTrustedProxies(undefined))).toBe(false);
    expect(peerIsTrustedProxy(request("203.0.113.9"), parseTrustedProxies("1"))).toBe(true);
    const ranges = parseTrustedProxies("10.0.0.0/8, 192.168.1.5");
    expect(peerIsTrustedProxy(request("10.2.3.4"), ranges)).toBe(true);
    expect(peerIsTrustedProxy(request("::ffff:10.2.3.4"), ranges)).toBe(true);
    expect(peerIsTrustedProxy(request("192.168.1.6"), ranges)).toBe(false);
    expect(peerIsTrustedProxy(request(undefined), parseTrustedProxies("1"))).toBe(false);
  });
});
