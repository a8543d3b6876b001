// A real OpenID Connect provider (panva/oidc-provider) on loopback, standing in for a
// company's SSO. Its development login screen accepts any account name; the account's groups
// come from the table below.
import type { Server } from "node:http";
import Provider from "oidc-provider";

export const OIDC_CLIENT = { id: "flightdeck-e2e", secret: "flightdeck-e2e-client-secret" };

export const SSO_ACCOUNTS: Record<string, string[]> = {
  "sso-oncall": ["sre-oncall", "staff"],
  "sso-outsider": ["marketing"],
};

export async function startOidcProvider(
  port: number,
  appOrigins: string[],
): Promise<() => Promise<void>> {
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: appOrigins.map((o) => `${o}/api/auth/callback/oidc`),
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    // Put the requested claims in the ID token, which is what Auth.js reads.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["flightdeck-e2e-cookie-key"] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@sso.example.com`,
            email_verified: true,
            name: `SSO ${id}`,
            groups: SSO_ACCOUNTS[id] ?? [],
          };
        },
      };
    },
  });
  provider.on("grant.error", (_ctx: unknown, err: Error & { error_detail?: string }) =>
    console.error("[oidc-provider]", err.message, err.error_detail ?? ""),
  );
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
