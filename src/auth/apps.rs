//! Embedding apps' join tokens: what LiveKit does with API keys and grants.
//!
//! An admin registers an app ([`crate::store::AppRecord`]) with an HS256 shared secret, a PEM
//! public key or a JWKS URL (ES256 or EdDSA). The app's backend mints short-lived join tokens
//! for its users (see [`AppClaims`]); [`AppRegistry::verify`] turns one into a [`Principal`]
//! acting in the app's organization, as `app:{app}:{sub}`.
//!
//! What a token must meet, each refused otherwise:
//! - `iss` names a registered app that is not disabled;
//! - the header's `alg` is the app's registered algorithm (the header never chooses it: `none`,
//!   or HS256 "signed" with an app's public key as the secret, are refused before any check);
//! - the signature verifies with the app's key (a JWKS key picked by the header's `kid`);
//! - `exp - iat` is at most [`MAX_APP_TOKEN_LIFETIME_S`] (10 minutes), `exp` is not past and
//!   `iat` not in the future (each with [`LEEWAY_S`] of clock skew);
//! - `jti` is present and not revoked.
//!
//! App rows are cached in memory by id and dropped from the cache whenever they change
//! ([`AppRegistry::forget`]); revoked token ids are loaded from the store once and kept in step
//! by [`AppRegistry::revoke`]. A hello thus reads no store once its app is cached. A JWKS is fetched on first
//! use, again when older than an hour, and on a `kid` it does not hold at most once per
//! 30 s ([`KeyRefresh`]), so forged key ids cannot make breakroom hammer the app.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dashmap::DashMap;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::oidc::KeyRefresh;
use super::{Grants, LEEWAY_S, Principal, Source, TokenError, TokenRole};
use crate::store::{AppAlg, AppKey, AppRecord, Store};

/// The longest lifetime (`exp - iat`) of an app's join token: 10 minutes.
pub const MAX_APP_TOKEN_LIFETIME_S: u64 = 600;
/// The largest JWKS document read.
const JWKS_MAX_BYTES: usize = 64 * 1024;
/// How long a JWKS fetch may take.
const JWKS_TIMEOUT: Duration = Duration::from_secs(5);

/// The claims of an app's join token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppClaims {
    /// The app's id.
    pub iss: String,
    /// A pseudonymous subject, stable per user of the app (the user id becomes
    /// `app:{iss}:{sub}`); never an email.
    pub sub: String,
    /// The display name others in a room see.
    pub name: String,
    /// The token's id, unique per token: what a revocation names.
    pub jti: String,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expiry, Unix seconds; at most [`MAX_APP_TOKEN_LIFETIME_S`] after `iat`.
    pub exp: u64,
    /// The one room the token is for; absent means any room of the app's organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The highest role the holder may take.
    pub role: TokenRole,
    /// What the holder may do; the role's usual grants when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Grants>,
}

/// Just the issuer, read before the signature is checked to pick the key.
#[derive(Deserialize)]
struct Issuer {
    iss: String,
}

/// A token's issuer, unverified: only to choose who verifies it.
pub fn issuer(token: &str) -> Option<String> {
    jsonwebtoken::dangerous::insecure_decode::<Issuer>(token)
        .ok()
        .map(|data| data.claims.iss)
}

fn algorithm(alg: AppAlg) -> Algorithm {
    match alg {
        AppAlg::HS256 => Algorithm::HS256,
        AppAlg::ES256 => Algorithm::ES256,
        AppAlg::EdDSA => Algorithm::EdDSA,
    }
}

/// The decoding key of a PEM public key for an algorithm; `None` if it is not one.
pub fn pem_key(alg: AppAlg, pem: &str) -> Option<DecodingKey> {
    match alg {
        AppAlg::ES256 => DecodingKey::from_ec_pem(pem.as_bytes()).ok(),
        AppAlg::EdDSA => DecodingKey::from_ed_pem(pem.as_bytes()).ok(),
        AppAlg::HS256 => None,
    }
}

/// An app's JWKS, as last fetched.
struct Jwks {
    url: String,
    /// When it was last fetched (or a fetch was tried) and what came back.
    state: Mutex<Option<(Instant, JwkSet)>>,
    /// Held by the one fetch in flight: concurrent hellos wait for it instead of fetching too.
    /// The one lock held across an await in the server, deliberately: it guards no data (the
    /// keys are behind `state`, a plain mutex never held across one) and its holder's await is
    /// bounded by the fetch's timeout.
    fetching: tokio::sync::Mutex<()>,
}

/// How an app's tokens are checked.
enum Verifier {
    Fixed(DecodingKey),
    Jwks(Jwks),
}

/// A cached app: its row (the secret inside stays in memory only) and its verifier.
struct CachedApp {
    record: AppRecord,
    verifier: Verifier,
}

/// The apps the server knows, cached, with their keys.
pub struct AppRegistry {
    cache: DashMap<String, Arc<CachedApp>>,
    /// Revoked token ids, (app, jti) → until when: loaded from the store once, then kept in
    /// step by [`Self::revoke`] (this process is the only one revoking), so a hello reads no
    /// store for them.
    revoked: DashMap<(String, String), u64>,
    revoked_loaded: tokio::sync::OnceCell<()>,
    http: openidconnect::reqwest::Client,
    refresh: KeyRefresh,
}

impl std::fmt::Debug for AppRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppRegistry")
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl Default for AppRegistry {
    fn default() -> Self {
        AppRegistry::new(KeyRefresh::default())
    }
}

impl AppRegistry {
    /// A registry refetching JWKS documents by `refresh`.
    pub fn new(refresh: KeyRefresh) -> AppRegistry {
        let http = openidconnect::reqwest::Client::builder()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(JWKS_TIMEOUT)
            .build()
            .unwrap_or_default();
        AppRegistry {
            cache: DashMap::new(),
            revoked: DashMap::new(),
            revoked_loaded: tokio::sync::OnceCell::new(),
            http,
            refresh,
        }
    }

    /// Revokes an app's token id until `expires_at`, in the store and here. Revocations past
    /// their expiry are dropped.
    pub async fn revoke(
        &self,
        store: &dyn Store,
        app: &str,
        jti: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), crate::store::StoreError> {
        store.revoke_token(app, jti, expires_at, now).await?;
        self.revoked.retain(|_, until| *until >= now);
        self.revoked
            .entry((app.to_owned(), jti.to_owned()))
            .and_modify(|until| *until = (*until).max(expires_at))
            .or_insert(expires_at);
        Ok(())
    }

    /// Whether an app's token id is revoked (the store is read once, the first time).
    async fn is_revoked(
        &self,
        store: &dyn Store,
        app: &str,
        jti: &str,
        now: u64,
    ) -> Result<bool, crate::store::StoreError> {
        self.revoked_loaded
            .get_or_try_init(|| async {
                for (app, jti, until) in store.revocations(now).await? {
                    self.revoked.entry((app, jti)).or_insert(until);
                }
                Ok::<(), crate::store::StoreError>(())
            })
            .await?;
        Ok(self.revoked.contains_key(&(app.to_owned(), jti.to_owned())))
    }

    /// Drops an app from the cache: call it after changing the app in the store.
    pub fn forget(&self, id: &str) {
        self.cache.remove(id);
    }

    /// An app's row, from the cache or the store.
    pub async fn app(&self, store: &dyn Store, id: &str) -> Option<AppRecord> {
        self.cached(store, id).await.map(|c| c.record.clone())
    }

    async fn cached(&self, store: &dyn Store, id: &str) -> Option<Arc<CachedApp>> {
        if let Some(c) = self.cache.get(id) {
            return Some(c.clone());
        }
        let record = match store.app(id).await {
            Ok(r) => r?,
            Err(err) => {
                tracing::error!(%err, "reading an app failed");
                return None;
            }
        };
        let verifier = match &record.key {
            AppKey::Secret(s) => Verifier::Fixed(DecodingKey::from_secret(s.as_bytes())),
            AppKey::PublicKeyPem(pem) => Verifier::Fixed(pem_key(record.alg, pem)?),
            AppKey::JwksUrl(url) => Verifier::Jwks(Jwks {
                url: url.clone(),
                state: Mutex::new(None),
                fetching: tokio::sync::Mutex::new(()),
            }),
        };
        let cached = Arc::new(CachedApp { record, verifier });
        self.cache.insert(id.to_owned(), cached.clone());
        Some(cached)
    }

    /// Verifies an app's join token at `now` (Unix seconds) and returns who it acts for.
    pub async fn verify(
        &self,
        store: &dyn Store,
        token: &str,
        now: u64,
    ) -> Result<Principal, TokenError> {
        // `alg: none` and unknown algorithms fail here.
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let iss = issuer(token).ok_or(TokenError::Invalid)?;
        let app = self.cached(store, &iss).await.ok_or(TokenError::Invalid)?;
        let record = &app.record;
        let alg = algorithm(record.alg);
        // The header never chooses the algorithm: HS256 against an app with a public key would
        // take the public key as the HMAC secret.
        if header.alg != alg {
            return Err(TokenError::Invalid);
        }
        let key = match &app.verifier {
            Verifier::Fixed(key) => key.clone(),
            Verifier::Jwks(jwks) => self
                .jwks_key(jwks, header.kid.as_deref())
                .await
                .ok_or(TokenError::Invalid)?,
        };
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&record.id]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub", "jti"]);
        validation.validate_exp = false;
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<AppClaims>(token, &key, &validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.exp.saturating_add(LEEWAY_S) < now {
            return Err(TokenError::Expired);
        }
        let lifetime_ok =
            claims.exp >= claims.iat && claims.exp - claims.iat <= MAX_APP_TOKEN_LIFETIME_S;
        if claims.iat > now.saturating_add(LEEWAY_S) || !lifetime_ok {
            return Err(TokenError::Invalid);
        }
        let name_ok = !claims.name.is_empty()
            && claims.name.chars().count() <= breakroom_protocol::validate::MAX_NAME
            && !claims.name.chars().any(char::is_control);
        let id_ok = |s: &str| !s.is_empty() && s.len() <= 128 && !s.chars().any(char::is_control);
        if !name_ok || !id_ok(&claims.sub) || !id_ok(&claims.jti) {
            return Err(TokenError::Invalid);
        }
        if record.disabled {
            return Err(TokenError::Revoked);
        }
        match self.is_revoked(store, &record.id, &claims.jti, now).await {
            Ok(false) => {}
            Ok(true) => return Err(TokenError::Revoked),
            Err(err) => {
                tracing::error!(%err, "checking a token revocation failed");
                return Err(TokenError::Invalid);
            }
        }
        Ok(Principal {
            user: format!("app:{}:{}", record.id, claims.sub),
            name: claims.name,
            org: record.org.clone(),
            role: claims.role,
            org_role: None,
            grants: claims
                .grants
                .unwrap_or_else(|| Grants::for_role(claims.role)),
            room: claims.room,
            expires_at: Some(claims.exp),
            source: Source::App {
                app: record.id.clone(),
                jti: Some(claims.jti),
            },
        })
    }

    /// The JWKS key a token names, fetching the set when it is missing, old, or (rate-limited)
    /// does not hold the key.
    async fn jwks_key(&self, jwks: &Jwks, kid: Option<&str>) -> Option<DecodingKey> {
        let asked_at = Instant::now();
        let (key, fetch) = self.lookup(jwks, kid, asked_at);
        if !fetch {
            return key;
        }
        let _one_fetch = jwks.fetching.lock().await;
        // Another hello may have fetched while this one waited.
        let fetched_since = jwks
            .state
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|(at, _)| *at > asked_at))
            .unwrap_or(false);
        if !fetched_since {
            let set = match fetch_jwks(&self.http, &jwks.url).await {
                Ok(set) => Some(set),
                Err(why) => {
                    // The URL is the admin's; it holds no secret.
                    tracing::warn!(url = %jwks.url, why, "fetching an app's JWKS failed");
                    None
                }
            };
            if let Ok(mut state) = jwks.state.lock() {
                // A failed fetch counts as one for the rate limit and keeps the old keys.
                let keep = state.take().map(|(_, old)| old);
                let set = set.or(keep).unwrap_or(JwkSet { keys: Vec::new() });
                *state = Some((Instant::now(), set));
            }
        }
        self.lookup(jwks, kid, Instant::now()).0
    }

    /// The key for `kid` in the set as it is, and whether to fetch the set now.
    fn lookup(&self, jwks: &Jwks, kid: Option<&str>, now: Instant) -> (Option<DecodingKey>, bool) {
        let Ok(state) = jwks.state.lock() else {
            return (None, false);
        };
        match &*state {
            None => (None, true),
            Some((at, set)) => {
                let key = find_key(set, kid);
                let fetch = self.refresh.decide(now, *at, key.is_some()).is_some();
                (key, fetch)
            }
        }
    }
}

/// Whether `principal` may create one more room: an embedding app's tokens create at most its
/// `max_rooms` live rooms (its users' ids start with `app:{app}:`). Others are not limited here.
pub async fn room_allowed(hub: &crate::hub::Hub, principal: &Principal) -> bool {
    let Source::App { app, .. } = &principal.source else {
        return true;
    };
    let Some(max) = hub
        .apps
        .app(&*hub.store, app)
        .await
        .and_then(|a| a.max_rooms)
    else {
        return true;
    };
    let prefix = format!("app:{app}:");
    let live = hub
        .rooms
        .count_where(|r| r.creator.starts_with(&prefix) && r.org == principal.org);
    live < max as usize
}

/// The key of a set a token names by `kid`; without a `kid`, the set's only key. Elliptic-curve
/// and Ed25519 keys only: a symmetric key in a JWKS would be a secret published.
fn find_key(set: &JwkSet, kid: Option<&str>) -> Option<DecodingKey> {
    let jwk: &Jwk = match kid {
        Some(kid) => set.find(kid)?,
        None if set.keys.len() == 1 => set.keys.first()?,
        None => return None,
    };
    match jwk.algorithm {
        AlgorithmParameters::EllipticCurve(_) | AlgorithmParameters::OctetKeyPair(_) => {
            DecodingKey::from_jwk(jwk).ok()
        }
        _ => None,
    }
}

async fn fetch_jwks(
    http: &openidconnect::reqwest::Client,
    url: &str,
) -> Result<JwkSet, &'static str> {
    let resp = http.get(url).send().await.map_err(|_| "no answer")?;
    if !resp.status().is_success() {
        return Err("not a success status");
    }
    if resp
        .content_length()
        .is_some_and(|n| n > JWKS_MAX_BYTES as u64)
    {
        return Err("too large");
    }
    let body = resp.bytes().await.map_err(|_| "body not read")?;
    if body.len() > JWKS_MAX_BYTES {
        return Err("too large");
    }
    // Keys this version cannot parse are skipped, not fatal: the set may hold RSA keys too.
    let raw: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&body).map_err(|_| "not JSON")?;
    let keys = raw
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("no keys")?
        .iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .collect();
    Ok(JwkSet { keys })
}

#[cfg(test)]
mod tests;
