// The web server process: Next.js behind our own HTTP listener, which is the only place that
// knows the TCP peer. It writes the client's address into a header the app can trust (see
// src/lib/net/client-address.ts) before Next.js sees the request, because Next.js passes a
// client-supplied X-Forwarded-For through unchanged.
import { createServer } from "node:http";
import next from "next";
import {
  CLIENT_ADDRESS_HEADER,
  parseTrustedProxies,
  stampClientAddress,
} from "../src/lib/net/client-address";
import { isSignInRequest, SignInGate, type ShedSignIns } from "../src/lib/net/sign-in-gate";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME ?? "0.0.0.0";

function trustedProxies() {
  try {
    return parseTrustedProxies(process.env.FLIGHTDECK_TRUSTED_PROXIES);
  } catch (error) {
    console.error(`[flightdeck] ${(error as Error).message}`);
    return process.exit(1);
  }
}
const trusted = trustedProxies();

const app = next({ dev, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const signIns = new SignInGate();
const server = createServer((req, res) => {
  stampClientAddress(req, trusted);
  if (isSignInRequest(req.method, req.url)) {
    const address = req.headers[CLIENT_ADDRESS_HEADER];
    const done = signIns.admit(typeof address === "string" ? address : null);
    if (!done) {
      res.writeHead(429, { "content-type": "text/plain; charset=utf-8", "retry-after": "5" });
      res.end("Too many sign-in attempts at once from your address. Try again in a few seconds.\n");
      return;
    }
    res.once("close", done);
  }
  void handle(req, res);
});

// Once a minute, what the door refused: a log line, and one audit row through the app.
const report = setInterval(() => {
  const shed = signIns.takeShed();
  if (!shed) return;
  console.warn(
    `[flightdeck] Refused ${shed.refused} sign-in requests at once in the last minute from ${shed.addresses} address(es); most from ${shed.topAddress ?? "unknown"} (${shed.topCount})`,
  );
  const record = (globalThis as { flightdeckRecordShedSignIns?: (s: ShedSignIns) => Promise<void> })
    .flightdeckRecordShedSignIns;
  record?.(shed).catch((error: unknown) =>
    console.error("[flightdeck] Auditing refused sign-ins failed:", error),
  );
}, 60_000);
report.unref();
if (dev) {
  // Hot reloading talks over a WebSocket.
  const upgrade = app.getUpgradeHandler();
  server.on("upgrade", (req, socket, head) => {
    stampClientAddress(req, trusted);
    void upgrade(req, socket, head);
  });
}
// Longer than a load balancer's idle timeout (60 s on most), so it never reuses a closed socket.
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => {
  console.log(`[flightdeck] Web server listening on http://${hostname}:${port}`);
});

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // Requests still running after 10 s are cut off.
  setTimeout(() => process.exit(0), 10_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
