// A real OpenID Provider for tests/oidc.rs: oidc-provider 8.8.1 (OpenID Certified) on
// 127.0.0.1, with its development interaction pages (a login form and a consent form that a
// test drives over plain HTTP). Installed by `.ci/test` (`npm ci` in this folder).
//
// Configuration, from the environment:
//   OIDC_PORT      the port (the issuer is exactly http://127.0.0.1:PORT, no trailing slash)
//   OIDC_CLIENTS   JSON array of oidc-provider client metadata (client_id, client_secret,
//                  redirect_uris, ...). PKCE (S256) is required for every client.
//   OIDC_ACCOUNTS  JSON object: account id (the login typed in the dev form) -> claims
//                  (name, email, email_verified, locale, ...)
//   OIDC_KEYS      path of a private JWKS file: read if it exists, else a fresh RSA key is
//                  generated and written there. A new path means new keys (key rotation).
// Prints "ready <issuer>" on stdout once it listens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
if (!port) throw new Error('OIDC_PORT is required');
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const keysPath = process.env.OIDC_KEYS;
if (!keysPath) throw new Error('OIDC_KEYS is required');

let jwks;
if (existsSync(keysPath)) {
  jwks = JSON.parse(readFileSync(keysPath, 'utf8'));
} else {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  jwks = { keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
  writeFileSync(keysPath, JSON.stringify(jwks));
}

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients,
  jwks,
  // Name and email in the ID token itself, as Entra, Google and Apple do.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    profile: ['name', 'locale'],
    email: ['email', 'email_verified'],
  },
  features: { devInteractions: { enabled: true } },
  pkce: { methods: ['S256'], required: () => true },
  cookies: { keys: ['breakroom-test-only-cookie-key'] },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
