import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The Bot Framework's token service, simulated: OpenID metadata and a JWKS on loopback, and RS256 tokens
 * signed with its key, as Teams sends with every activity. A bot trusts it only when configured to (the
 * demo and the tests); production bots trust Microsoft's metadata and nothing else.
 */
export class BotTokenIssuer {
  readonly issuer = "https://api.botframework.com";
  readonly keyId = randomUUID();
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private server: Server | undefined;
  url = "";

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicJwk = {
      ...publicKey.export({ format: "jwk" }),
      kid: this.keyId,
      use: "sig",
      alg: "RS256",
      endorsements: ["msteams"],
    };
  }

  get openIdMetadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/v1/.well-known/openidconfiguration") {
        res.end(
          JSON.stringify({
            issuer: this.issuer,
            authorization_endpoint: `${this.url}/v1/authorize`,
            jwks_uri: `${this.url}/v1/.well-known/keys`,
            id_token_signing_alg_values_supported: ["RS256"],
            token_endpoint_auth_methods_supported: ["private_key_jwt"],
          }),
        );
      } else if (req.url === "/v1/.well-known/keys") {
        res.end(JSON.stringify({ keys: [this.publicJwk] }));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A channel token for the bot `audience`, as Teams sends it for an activity from `serviceUrl`. */
  channelToken(
    audience: string,
    serviceUrl: string,
    overrides: Record<string, unknown> = {},
    key?: KeyObject | string,
  ): string {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        iss: this.issuer,
        aud: audience,
        serviceurl: serviceUrl,
        nbf: now - 60,
        iat: now - 60,
        exp: now + 3600,
        ...overrides,
      },
      { alg: "RS256", typ: "JWT", kid: this.keyId },
      typeof key === "string" ? createPrivateKey(key) : (key ?? this.privateKey),
    );
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server === undefined ? resolve() : this.server.close(() => resolve()),
    );
  }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function signJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown>,
  key: KeyObject,
): string {
  const head = `${b64(header)}.${b64(claims)}`;
  if (header["alg"] === "none") return `${head}.`;
  return `${head}.${sign("sha256", Buffer.from(head), key).toString("base64url")}`;
}
