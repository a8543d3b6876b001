import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";

/**
 * The header our own web server writes with the client's address. Whatever a client sends
 * under this name is dropped first, so the application can believe it.
 */
export const CLIENT_ADDRESS_HEADER = "x-flightdeck-client-address";

/** Which peers may tell us who their client was (in X-Forwarded-For). */
export type TrustedProxies = { kind: "hops"; hops: number } | { kind: "cidrs"; cidrs: string[] };

/**
 * Parses FLIGHTDECK_TRUSTED_PROXIES: unset or `0` trusts nobody (the TCP peer is the client), a
 * number N trusts the N proxies nearest to us, and a comma-separated list of addresses or CIDR
 * ranges (`10.0.0.0/8, 192.168.1.5`) trusts peers in those ranges, however many hops.
 */
export function parseTrustedProxies(raw: string | undefined): TrustedProxies {
  const value = (raw ?? "").trim();
  if (value === "") return { kind: "hops", hops: 0 };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 20) throw new Error(`FLIGHTDECK_TRUSTED_PROXIES=${value}: at most 20 proxies.`);
    return { kind: "hops", hops };
  }
  const cidrs = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  try {
    proxyaddr.compile(cidrs);
  } catch (e) {
    throw new Error(
      `FLIGHTDECK_TRUSTED_PROXIES must be a number of proxies or a comma-separated list of addresses and CIDR ranges: ${(e as Error).message}`,
    );
  }
  return { kind: "cidrs", cidrs };
}

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) is written as `10.1.2.3`. */
function normalize(address: string): string {
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
}

/**
 * The client's address: the TCP peer, unless the peer is a trusted proxy, in which case the
 * address that proxy saw (from the right end of X-Forwarded-For), and so on outwards. Entries
 * a client wrote into X-Forwarded-For itself are never reached, because the walk stops at the
 * first untrusted hop.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string | null {
  if (!req.socket.remoteAddress) return null;
  const trust =
    trusted.kind === "hops"
      ? (_address: string, hop: number) => hop < trusted.hops
      : proxyaddr.compile(trusted.cidrs);
  return normalize(proxyaddr(req, trust));
}

/**
 * Writes the client's address for the application (and as the only X-Forwarded-For entry, so
 * nothing downstream reads a forged one), replacing anything the client sent in those headers.
 */
export function stampClientAddress(req: IncomingMessage, trusted: TrustedProxies): void {
  const address = clientAddress(req, trusted);
  delete req.headers[CLIENT_ADDRESS_HEADER];
  delete req.headers["x-forwarded-for"];
  delete req.headers["x-real-ip"];
  if (address) {
    req.headers[CLIENT_ADDRESS_HEADER] = address;
    req.headers["x-forwarded-for"] = address;
  }
}

/** Whether the TCP peer is one of the trusted proxies (whose headers we may believe). */
export function peerIsTrustedProxy(req: IncomingMessage, trusted: TrustedProxies): boolean {
  const peer = req.socket.remoteAddress;
  if (!peer) return false;
  if (trusted.kind === "hops") return trusted.hops > 0;
  return proxyaddr.compile(trusted.cidrs)(peer, 0);
}
