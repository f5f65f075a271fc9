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
//   OIDC_TENANTS   optional, JSON object: tenant id -> accounts. Then the provider plays a
//                  multi-tenant one in the manner of Microsoft Entra's `common` endpoint: one
//                  issuer per tenant (http://127.0.0.1:PORT/TENANT, tokens carrying `tid` and
//                  `oid`), and /common publishing the issuer template
//                  http://127.0.0.1:PORT/{tenantid}. /common/auth sends the browser to the tenant
//                  its `domain_hint` names (Entra's home-realm discovery); /common/token hands the
//                  code to the tenant that issued it.
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

const base = `http://127.0.0.1:${port}`;

// oidc-provider's default memory adapter is one store per process: tenants would find each
// other's codes. Each tenant gets its own (expiry is left to the models' own `exp` checks).
function separateMemoryAdapter() {
  const store = new Map();
  return class {
    constructor(name) { this.name = name; }
    key(id) { return `${this.name}:${id}`; }
    all() { return [...store.entries()].filter(([k]) => k.startsWith(`${this.name}:`)); }
    async upsert(id, payload) { store.set(this.key(id), payload); }
    async find(id) { return store.get(this.key(id)); }
    async findByUid(uid) { return this.all().map(([, v]) => v).find((v) => v.uid === uid); }
    async findByUserCode(code) { return this.all().map(([, v]) => v).find((v) => v.userCode === code); }
    async consume(id) { const v = store.get(this.key(id)); if (v) v.consumed = Math.floor(Date.now() / 1000); }
    async destroy(id) { store.delete(this.key(id)); }
    async revokeByGrantId(grantId) {
      for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
    }
  };
}

function makeProvider(issuer, accountsOf, extraClaims, adapter) {
  return new Provider(issuer, {
    adapter,
    clients,
    jwks,
    // Name and email in the ID token itself, as Entra, Google and Apple do.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'tid', 'oid', 'hd'],
      profile: ['name', 'locale'],
      email: ['email', 'email_verified'],
    },
    features: { devInteractions: { enabled: true } },
    pkce: { methods: ['S256'], required: () => true },
    cookies: { keys: ['breakroom-test-only-cookie-key'] },
    async findAccount(ctx, id) {
      const claims = accountsOf[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...extraClaims(id), ...claims }; } };
    },
  });
}

const tenants = process.env.OIDC_TENANTS ? JSON.parse(process.env.OIDC_TENANTS) : null;
let handler;
if (!tenants) {
  const provider = makeProvider(base, accounts, () => ({}), undefined);
  handler = provider.callback();
} else {
  const byTenant = Object.fromEntries(Object.entries(tenants).map(([tid, accountsOf]) => [
    tid,
    makeProvider(`${base}/${tid}`, accountsOf, (id) => ({ tid, oid: `oid-${id}` }), separateMemoryAdapter()).callback(),
  ]));
  const first = Object.keys(byTenant)[0];
  const common = async (req, res, url) => {
    if (url.pathname === '/common/.well-known/openid-configuration') {
      const doc = await (await fetch(`${base}/${first}/.well-known/openid-configuration`)).json();
      Object.assign(doc, {
        issuer: `${base}/{tenantid}`,
        authorization_endpoint: `${base}/common/auth`,
        token_endpoint: `${base}/common/token`,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    } else if (url.pathname === '/common/auth') {
      const tid = url.searchParams.get('domain_hint');
      url.searchParams.delete('domain_hint');
      res.writeHead(303, { location: `${base}/${tid}/auth${url.search}` }).end();
    } else if (url.pathname === '/common/token' && req.method === 'POST') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = Buffer.concat(chunks).toString();
      let answer;
      for (const tid of Object.keys(byTenant)) {
        answer = await fetch(`${base}/${tid}/token`, {
          method: 'POST',
          body,
          headers: { 'content-type': req.headers['content-type'], authorization: req.headers.authorization ?? '' },
        });
        if (answer.ok) break;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    } else {
      res.writeHead(404).end();
    }
  };
  handler = (req, res) => {
    const url = new URL(req.url, base);
    const tid = url.pathname.split('/')[1];
    if (tid === 'common') return void common(req, res, url);
    if (!byTenant[tid]) return void res.writeHead(404).end();
    // Mounted under /TENANT: oidc-provider reads its mount path from originalUrl.
    req.originalUrl = req.url;
    req.url = req.url.slice(tid.length + 1) || '/';
    return byTenant[tid](req, res);
  };
}

http.createServer(handler).listen(port, '127.0.0.1', () => {
  console.log(`ready ${base}`);
});
