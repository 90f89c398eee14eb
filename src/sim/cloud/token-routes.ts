import { constants, createPublicKey, randomBytes, verify } from "node:crypto";
import express, { Router } from "express";
import type { ChangeActor } from "../tenant/model.js";

export interface SimApp {
  clientId: string;
  /** A shared secret, or none when the app proves itself with a certificate only. */
  clientSecret?: string;
  /** The registered certificate (PEM): the app may sign a client assertion with its key instead. */
  certificatePem?: string;
  /** The app's service principal in the tenant: who the logs say made a change. */
  servicePrincipalId?: string;
  /**
   * A managed identity: its tokens come from the identity endpoint (`/msi/token`, what Azure puts in
   * IDENTITY_ENDPOINT), to a caller that sends this secret in X-IDENTITY-HEADER (IDENTITY_HEADER).
   */
  identityHeader?: string;
  displayName?: string;
}

interface Issued {
  audience: "graph" | "arm" | "botframework";
  expiresAt: number;
  clientId: string;
}

/**
 * The Entra token endpoint, enough for `@azure/identity`'s ClientSecretCredential: client credentials
 * for the Graph or ARM `.default` scope. Tokens are opaque to clients and checked by this simulator only.
 */
export class TokenIssuer {
  private readonly issued = new Map<string, Issued>();

  constructor(
    private readonly apps: () => SimApp[],
    /** The tenant a managed identity lives in: its tokens name it (`tid`), as Entra's do. */
    private readonly tenantId = "",
  ) {}

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
      const proven =
        app !== undefined &&
        (body["client_assertion"] !== undefined
          ? body["client_assertion_type"] === "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
            validAssertion(body["client_assertion"], app)
          : app.clientSecret !== undefined && app.clientSecret === body["client_secret"]);
      if (!proven) {
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
      const token = accessToken(String(req.params["tenant"] ?? ""), scope, app);
      this.issued.set(token, { audience, expiresAt: Date.now() + 3_600_000, clientId: app.clientId });
      res.json({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token });
    });
    // The identity endpoint App Service and Container Apps give a managed identity (IDENTITY_ENDPOINT,
    // IDENTITY_HEADER; api-version 2019-08-01): "How to use managed identities for App Service and Azure
    // Functions", REST endpoint reference. A user-assigned identity is named by client_id.
    router.get("/msi/token", (req, res) => {
      const header = req.get("x-identity-header");
      const clientId = typeof req.query["client_id"] === "string" ? req.query["client_id"] : undefined;
      const identity = this.apps().find(
        (a) =>
          a.identityHeader !== undefined &&
          a.identityHeader === header &&
          (clientId === undefined || a.clientId === clientId),
      );
      if (req.query["api-version"] !== "2019-08-01" || identity === undefined) {
        res.status(400).json({
          statusCode: 400,
          message: "No managed identity found for the given header or client id, or a wrong api-version.",
        });
        return;
      }
      const resource = String(req.query["resource"] ?? "");
      // A bot's managed identity asks for the Bot Framework's audience (its calls to the Bot Connector).
      const audience = resource.startsWith("https://graph.microsoft.com")
        ? "graph"
        : resource.startsWith("https://management.azure.com")
          ? "arm"
          : resource.startsWith("https://api.botframework.com")
            ? "botframework"
            : undefined;
      if (audience === undefined) {
        res.status(400).json({ statusCode: 400, message: `Resource ${resource} is not a known audience.` });
        return;
      }
      const token = accessToken(this.tenantId, `${new URL(resource).origin}/.default`, identity);
      this.issued.set(token, { audience, expiresAt: Date.now() + 3_600_000, clientId: identity.clientId });
      res.json({
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1_000) + 3_600),
        resource,
        token_type: "Bearer",
        client_id: identity.clientId,
      });
    });
    return router;
  }

  /** The app behind a live token for this audience in the Authorization header, or undefined. */
  caller(header: string | undefined, audience: Issued["audience"]): ChangeActor | undefined {
    if (header === undefined || !header.startsWith("Bearer ")) return undefined;
    const issued = this.issued.get(header.slice(7));
    if (issued === undefined || issued.audience !== audience || issued.expiresAt <= Date.now())
      return undefined;
    const app = this.apps().find((a) => a.clientId === issued.clientId);
    return {
      kind: "app",
      appId: issued.clientId,
      servicePrincipalId: app?.servicePrincipalId ?? issued.clientId,
      displayName: app?.displayName ?? "Simulated app",
    };
  }
}

/**
 * An app-only access token shaped as Entra's v1 tokens for Graph and ARM are: a JWT whose claims name the
 * tenant (`tid`), the app (`appid`), its service principal (`oid`) and say it is an app (`idtyp`), so a
 * client may learn its own identity from it as it can from Microsoft's ("Access token claims reference").
 * Signed with a throwaway key no one checks: the simulator knows its tokens by their whole text.
 */
function accessToken(tenant: string, scope: string, app: SimApp): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1_000);
  const claims = {
    aud: new URL(scope).origin,
    iss: `https://sts.windows.net/${tenant}/`,
    iat: now,
    nbf: now,
    exp: now + 3_600,
    tid: tenant,
    appid: app.clientId,
    idtyp: "app",
    ...(app.servicePrincipalId === undefined
      ? {}
      : { oid: app.servicePrincipalId, sub: app.servicePrincipalId }),
    // Unique per issue, as Entra's are.
    uti: randomBytes(12).toString("base64url"),
  };
  return `${part({ typ: "JWT", alg: "RS256" })}.${part(claims)}.${randomBytes(32).toString("base64url")}`;
}

/**
 * A client assertion as Entra checks it: a JWT signed (RS256 or PS256) with the key of the app's
 * registered certificate, issued by and about the app, for the token endpoint, not expired.
 */
function validAssertion(assertion: string, app: SimApp): boolean {
  if (app.certificatePem === undefined) return false;
  const [head, payload, signature] = assertion.split(".");
  if (head === undefined || payload === undefined || signature === undefined) return false;
  try {
    const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const key = createPublicKey(app.certificatePem);
    const data = Buffer.from(`${head}.${payload}`);
    const sig = Buffer.from(signature, "base64url");
    const signed =
      header.alg === "RS256"
        ? verify("sha256", data, key, sig)
        : header.alg === "PS256"
          ? verify("sha256", data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : false;
    return (
      signed &&
      claims["iss"] === app.clientId &&
      claims["sub"] === app.clientId &&
      typeof claims["aud"] === "string" &&
      claims["aud"].endsWith("/oauth2/v2.0/token") &&
      typeof claims["exp"] === "number" &&
      claims["exp"] * 1000 > Date.now()
    );
  } catch {
    return false;
  }
}
