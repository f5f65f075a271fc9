//! The OpenID Providers a running server signs people in with (`[[oidc.providers]]`), and the
//! logins under way.
//!
//! Each provider is discovered at start ([`Providers::discover_all`]). A configuration that
//! cannot work (an unreadable client secret, a bad redirect URI, a provider naming another
//! issuer) stops the start: it never heals by itself. A provider that cannot be reached at
//! start is logged and tried again every [`OidcOptions::discovery_retry`] in the background:
//! one provider's outage must not keep everyone else (other providers, API-key and app tokens,
//! rooms under way) out, and its sign-in answers 503 until it is reached.
//!
//! What the callback needs besides the provider's own state (nonce, PKCE verifier) is kept here
//! on the server, keyed by `state`: where to go after the login (`return_to`) and the
//! invitation it carries. Never in a cookie: Apple's callback is a cross-site POST that carries
//! no SameSite=Lax cookie, so the callback works from `state` alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::oidc::{KeyRefresh, ProviderConfig, SignIn, SignInError, SignInOptions};

/// Sign-in settings beside the providers (the `[oidc]` table).
#[derive(Debug, Clone, Copy)]
pub struct OidcOptions {
    /// The core's limits (login time, key refetch policy, HTTP timeout).
    pub sign_in: SignInOptions,
    /// How often a provider unreachable at start is tried again.
    pub discovery_retry: Duration,
}

impl Default for OidcOptions {
    fn default() -> Self {
        OidcOptions {
            sign_in: SignInOptions::default(),
            discovery_retry: Duration::from_secs(30),
        }
    }
}

impl OidcOptions {
    /// The options with another minimum interval between key refetches on an unknown `kid`.
    pub fn with_key_refetch_interval(mut self, min_interval: Duration) -> OidcOptions {
        self.sign_in.keys = KeyRefresh {
            min_interval,
            ..self.sign_in.keys
        };
        self
    }
}

/// Where a login goes once it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// A same-origin path to send the browser to.
    pub return_to: String,
    /// The invitation token the login carries, if any (raw: it is hashed when used).
    pub invite: Option<String>,
}

/// One configured provider: its configuration, and its [`SignIn`] once discovered.
struct Slot {
    config: ProviderConfig,
    ready: RwLock<Option<Arc<SignIn>>>,
}

/// Why a provider cannot start a login.
#[derive(Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// No provider has this id.
    Unknown,
    /// It is configured but was not reached yet.
    NotReached,
}

/// The configured providers and the logins under way.
pub struct Providers {
    slots: Vec<Slot>,
    options: OidcOptions,
    intents: Mutex<HashMap<String, (Instant, Intent)>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.slots.iter().map(|s| &s.config.id))
            .finish()
    }
}

/// At most this many logins under way (the oldest are dropped past it).
const MAX_INTENTS: usize = 10_000;

impl Providers {
    /// The providers of a configuration, not discovered yet. A provider configured without a
    /// `redirect_uri` gets `{public_url}/auth/callback/{id}`.
    pub fn new(configs: &[ProviderConfig], public_url: &str, options: OidcOptions) -> Providers {
        let base = public_url.trim_end_matches('/');
        let slots = configs
            .iter()
            .map(|c| {
                let mut config = c.clone();
                if config.redirect_uri.is_empty() {
                    config.redirect_uri = format!("{base}/auth/callback/{}", config.id);
                }
                Slot {
                    config,
                    ready: RwLock::new(None),
                }
            })
            .collect();
        Providers {
            slots,
            options,
            intents: Mutex::new(HashMap::new()),
        }
    }

    /// Discovers every provider. Fails on a configuration that cannot work; a provider that
    /// cannot be reached is logged and left for [`Providers::retry_until`]. Returns how many
    /// are ready.
    pub async fn discover_all(&self) -> Result<usize, SignInError> {
        let mut ready = 0;
        for slot in &self.slots {
            match SignIn::discover(slot.config.clone(), self.options.sign_in).await {
                Ok(signin) => {
                    *slot.ready.write().unwrap_or_else(PoisonError::into_inner) =
                        Some(Arc::new(signin));
                    ready += 1;
                    tracing::info!(provider = %slot.config.id, "sign-in provider ready");
                }
                Err(err @ SignInError::Discovery(_)) => {
                    tracing::warn!(
                        provider = %slot.config.id,
                        error = %err,
                        retry_s = self.options.discovery_retry.as_secs(),
                        "sign-in provider unreachable at start; trying again in the background"
                    );
                }
                Err(err) => {
                    tracing::error!(provider = %slot.config.id, error = %err, "sign-in provider misconfigured");
                    return Err(err);
                }
            }
        }
        Ok(ready)
    }

    /// Tries the providers not reached yet again, every [`OidcOptions::discovery_retry`], until
    /// all are ready or `stop` is cancelled.
    pub async fn retry_until(self: Arc<Self>, stop: CancellationToken) {
        loop {
            if self.slots.iter().all(|s| s.get().is_some()) {
                return;
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(self.options.discovery_retry) => {}
            }
            for slot in self.slots.iter().filter(|s| s.get().is_none()) {
                match SignIn::discover(slot.config.clone(), self.options.sign_in).await {
                    Ok(signin) => {
                        *slot.ready.write().unwrap_or_else(PoisonError::into_inner) =
                            Some(Arc::new(signin));
                        tracing::info!(provider = %slot.config.id, "sign-in provider ready");
                    }
                    Err(err) => {
                        tracing::warn!(provider = %slot.config.id, error = %err, "sign-in provider still unavailable");
                    }
                }
            }
        }
    }

    /// The configured providers, in order.
    pub fn configs(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.slots.iter().map(|s| &s.config)
    }

    /// The sign-in of provider `id`.
    pub fn get(&self, id: &str) -> Result<Arc<SignIn>, Unavailable> {
        let slot = self
            .slots
            .iter()
            .find(|s| s.config.id == id)
            .ok_or(Unavailable::Unknown)?;
        slot.get().ok_or(Unavailable::NotReached)
    }

    /// Remembers where the login of `state` goes once done.
    pub fn remember(&self, state: String, intent: Intent) {
        let now = Instant::now();
        let ttl = self.options.sign_in.login_ttl;
        let mut intents = self.lock_intents();
        intents.retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
        if intents.len() >= MAX_INTENTS
            && let Some(oldest) = intents
                .iter()
                .min_by_key(|(_, (at, _))| *at)
                .map(|(s, _)| s.clone())
        {
            intents.remove(&oldest);
        }
        intents.insert(state, (now, intent));
    }

    /// Where the login of `state` goes, removed (once only, and not after the login time).
    pub fn take(&self, state: &str) -> Option<Intent> {
        let ttl = self.options.sign_in.login_ttl;
        let (at, intent) = self.lock_intents().remove(state)?;
        (Instant::now().saturating_duration_since(at) < ttl).then_some(intent)
    }

    fn lock_intents(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Intent)>> {
        // Plain maps: a panic while holding the lock leaves them consistent.
        self.intents.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Slot {
    fn get(&self) -> Option<Arc<SignIn>> {
        self.ready
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::oidc::{Preset, SecretSource};

    fn config(id: &str, redirect: &str) -> ProviderConfig {
        ProviderConfig {
            id: id.into(),
            issuer: "http://127.0.0.1:9".into(),
            client_id: "c".into(),
            client_secret: SecretSource::Value("s".into()),
            redirect_uri: redirect.into(),
            name: None,
            scopes: vec![],
            preset: Preset::Generic,
        }
    }

    #[tokio::test]
    async fn redirect_uris_default_to_the_public_url_and_intents_work_once() {
        let p = Providers::new(
            &[config("a", ""), config("b", "https://x.example/cb")],
            "https://breakroom.example/",
            OidcOptions::default(),
        );
        let uris: Vec<&str> = p.configs().map(|c| c.redirect_uri.as_str()).collect();
        assert_eq!(
            uris,
            [
                "https://breakroom.example/auth/callback/a",
                "https://x.example/cb"
            ]
        );
        assert_eq!(p.get("a").err(), Some(Unavailable::NotReached));
        assert_eq!(p.get("zz").err(), Some(Unavailable::Unknown));
        let intent = Intent {
            return_to: "/host".into(),
            invite: None,
        };
        p.remember("s1".into(), intent.clone());
        assert_eq!(p.take("s1"), Some(intent));
        assert_eq!(p.take("s1"), None);
    }
}
