import { randomBytes } from "node:crypto";
import express, { Router } from "express";

export interface SimApp {
  clientId: string;
  clientSecret: string;
}

interface Issued {
  audience: "graph" | "arm";
  expiresAt: number;
}

/**
 * The Entra token endpoint, enough for `@azure/identity`'s ClientSecretCredential: client credentials
 * for the Graph or ARM `.default` scope. Tokens are opaque to clients and checked by this simulator only.
 */
export class TokenIssuer {
  private readonly issued = new Map<string, Issued>();

  constructor(private readonly apps: () => SimApp[]) {}

  routes(baseUrl: () => string): Router {
    const router = Router();
    // MSAL reads the authority's metadata before asking for a token.
    router.get("/:tenant/v2.0/.well-known/openid-configuration", (req, res) => {
      const authority = `${baseUrl()}/${req.params["tenant"]}`;
      res.json({
        issuer: `${authority}/v2.0`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        response_types_supported: ["code", "id_token", "token"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        token_endpoint_auth_methods_supported: [
          "client_secret_post",
          "private_key_jwt",
          "client_secret_basic",
        ],
        tenant_region_scope: "EU",
        cloud_instance_name: "microsoftonline.com",
      });
    });
    router.post("/:tenant/oauth2/v2.0/token", express.urlencoded({ extended: false }), (req, res) => {
      const body = req.body as Record<string, string | undefined>;
      const app = this.apps().find((a) => a.clientId === body["client_id"]);
      if (body["grant_type"] !== "client_credentials") {
        res.status(400).json({
          error: "unsupported_grant_type",
          error_description: "AADSTS70003: grant type not supported.",
        });
        return;
      }
      if (app === undefined || app.clientSecret !== body["client_secret"]) {
        res.status(401).json({
          error: "invalid_client",
          error_description:
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.",
        });
        return;
      }
      const scope = body["scope"] ?? "";
      const audience = scope.startsWith("https://graph.microsoft.com")
        ? "graph"
        : scope.startsWith("https://management.azure.com")
          ? "arm"
          : undefined;
      if (audience === undefined) {
        res.status(400).json({
          error: "invalid_scope",
          error_description: `AADSTS70011: The provided value '${scope}' is not valid.`,
        });
        return;
      }
      const token = randomBytes(24).toString("base64url");
      this.issued.set(token, { audience, expiresAt: Date.now() + 3_600_000 });
      res.json({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token });
    });
    return router;
  }

  /** Whether the Authorization header holds a live token for this audience. */
  accepts(header: string | undefined, audience: Issued["audience"]): boolean {
    if (header === undefined || !header.startsWith("Bearer ")) return false;
    const issued = this.issued.get(header.slice(7));
    return issued !== undefined && issued.audience === audience && issued.expiresAt > Date.now();
  }
}
