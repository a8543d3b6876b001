import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the fake traffic hook received. */
export interface HookRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type HookHandler = (
  req: HookRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

export interface HookServer {
  url: string;
  requests: HookRequest[];
  /** what the next requests get */
  handle(handler: HookHandler): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * A local HTTP server for the global traffic hook's protocol (lib/platform/traffic/http-hook):
 * records each request and answers with the handler the test gives.
 */
export async function startHookServer(): Promise<HookServer> {
  let handler: HookHandler = (_req, res) => json(res, 404, { message: "no handler" });
  const requests: HookRequest[] = [];
  const server: Server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (c: Buffer) => chunks.push(c));
    raw.on("end", () => {
      const req: HookRequest = {
        method: raw.method ?? "",
        url: raw.url ?? "",
        headers: raw.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(req);
      void Promise.resolve(handler(req, res, raw)).catch(() => {
        if (!res.headersSent) json(res, 500, { message: "handler failed" });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
