//! Sign-in with OpenID Connect: the core of the authorization code flow, for one provider.
//!
//! A [`SignIn`] is made at start from a [`ProviderConfig`]: it fetches the provider's discovery
//! document (checking its issuer: exactly, or against Entra's `{tenantid}` template) and its
//! signing keys. Then, per login:
//!
//! 1. [`SignIn::begin`] gives the authorization URL, with PKCE (S256), a `state` and a `nonce`.
//!    The state, nonce and PKCE verifier stay on the server ([`PendingLogin`]), for
//!    [`SignInOptions::login_ttl`], and are given out once.
//! 2. [`SignIn::complete`] takes the callback's `state` and `code` (and Apple's `user` field),
//!    exchanges the code (with the PKCE verifier) and verifies the ID token: signature against the
//!    provider's keys (asymmetric algorithms only), `iss`, `aud`, `exp`, and the `nonce`, which is
//!    accepted once.
//! 3. Out comes an [`Identity`]: provider, subject key, name, email (only when verified) and a
//!    language hint. Nothing else is kept: no picture, no raw claims, no tokens.
//!
//! Keys are refetched when older than [`KeyRefresh::max_age`], and when a token names an unknown
//! key id (at most once per [`KeyRefresh::min_interval`]): a provider rotating its keys needs no
//! restart of breakroom.
//!
//! The server wires it in [`super::providers`] (the configured providers, discovered at start)
//! and `http/signin.rs` (the routes, cookies and organizations). Apple's client secret
//! ([`SecretSource::AppleKey`]) is an ES256 JWT signed with the `.p8` key and renewed before
//! expiry. Errors never hold a token, a claim value or a secret, so they may be logged.

mod apple_secret;
mod keys;
mod pending;
mod provider_config;
mod rules;
mod verify;

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse as _,
};
use tokio::time::Instant;

pub use keys::KeyRefresh;
pub use pending::PendingLogin;
pub use provider_config::{Preset, ProviderConfig, Secret, SecretSource};
pub use rules::ExtraClaims;

use keys::Refetch;
use pending::PendingLogins;
use rules::{IssuerRule, TENANT_PLACEHOLDER};

/// Who signed in: all that breakroom keeps from a provider. Personal data: never log it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The provider's [`ProviderConfig::id`].
    pub provider: String,
    /// The stable user key within that provider: `sub`, or `tid:oid` for Entra.
    pub subject: String,
    /// A display name, if the provider gave one.
    pub name: Option<String>,
    /// The email, only when the provider says it is verified.
    pub email: Option<String>,
    /// A language hint (the `locale` claim), if any.
    pub language: Option<String>,
    /// The organization the provider places the person in: `entra:<tid>` (the Entra tenant)
    /// or `google:<hd>` (the Google Workspace domain); `None` for personal accounts (Google
    /// without `hd`, Apple, generic providers).
    pub org_key: Option<String>,
}

/// Why a sign-in step failed. Holds no token, claim value or secret.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The provider configuration is unusable.
    #[error("provider configuration: {0}")]
    Config(String),
    /// The client secret could not be read.
    #[error("client secret: {0}")]
    Secret(String),
    /// The discovery document or the keys could not be fetched or read.
    #[error("provider unreachable or unreadable: {0}")]
    Discovery(String),
    /// The discovery document names another issuer than the configured one.
    #[error("the provider's issuer is {found:?}, not the configured {expected:?}")]
    IssuerMismatch {
        /// Configured.
        expected: String,
        /// Discovered.
        found: String,
    },
    /// No pending login has this `state`: forged, already used, or expired.
    #[error("unknown, used or expired state")]
    UnknownState,
    /// The provider answered the callback with an error (`error=` in the callback).
    #[error("the provider refused the sign-in: {0}")]
    ProviderRefused(String),
    /// The code exchange failed (a used or foreign code, a wrong PKCE verifier, ...).
    #[error("code exchange refused: {0}")]
    CodeExchange(String),
    /// The token response holds no ID token.
    #[error("the token response holds no ID token")]
    NoIdToken,
    /// The ID token is malformed or fails a check not listed below.
    #[error("invalid ID token: {0}")]
    InvalidToken(String),
    /// The token is signed with an algorithm breakroom refuses (`none`, HS256, ...).
    #[error("refused signature algorithm {0}")]
    DisallowedAlgorithm(String),
    /// The signature does not verify.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The token names a signing key the provider does not publish (even after a refetch, or
    /// the refetch was rate-limited).
    #[error("signed with a key the provider does not publish")]
    UnknownKey,
    /// `iss` is not the provider's issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud` does not name breakroom's client.
    #[error("the token is for another client")]
    WrongAudience,
    /// `exp` has passed.
    #[error("the token has expired")]
    TokenExpired,
    /// The `nonce` is not the login's.
    #[error("wrong nonce")]
    WrongNonce,
    /// This nonce was already accepted once: a replayed token.
    #[error("replayed nonce")]
    NonceReplayed,
    /// A claim the provider's rules need is missing.
    #[error("missing claim {0}")]
    MissingClaim(&'static str),
    /// Entra: the tenant is not in the allowlist.
    #[error("tenant not allowed")]
    TenantNotAllowed,
    /// Google: the account is not of the required hosted domain.
    #[error("hosted domain not allowed")]
    HostedDomainNotAllowed,
}

/// Limits of a [`SignIn`].
#[derive(Debug, Clone, Copy)]
pub struct SignInOptions {
    /// How long a login may take between [`SignIn::begin`] and the callback.
    pub login_ttl: Duration,
    /// At most this many logins pending at once (the oldest are dropped).
    pub max_pending: usize,
    /// When the signing keys are fetched again.
    pub keys: KeyRefresh,
    /// Timeout of each request to the provider.
    pub http_timeout: Duration,
}

impl Default for SignInOptions {
    fn default() -> Self {
        SignInOptions {
            login_ttl: Duration::from_secs(600),
            max_pending: 10_000,
            keys: KeyRefresh::default(),
            http_timeout: Duration::from_secs(10),
        }
    }
}

/// Where the browser goes to sign in.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The provider's authorization URL with every parameter.
    pub url: String,
    /// The login's `state`, also in the URL.
    pub state: String,
}

/// What the provider's redirect (or Apple's form POST) brought back.
#[derive(Debug, Clone, Copy, Default)]
pub struct Callback<'a> {
    /// `state`.
    pub state: &'a str,
    /// `code`, absent when the provider answers with an `error`.
    pub code: Option<&'a str>,
    /// `error`, when the provider refused.
    pub error: Option<&'a str>,
    /// Apple's `user` form field (first authorization only).
    pub user: Option<&'a str>,
}

/// The signing keys and when they were fetched.
struct KeySet {
    jwks: CoreJsonWebKeySet,
    fetched_at: Instant,
}

/// Where the client secret sent to the provider comes from.
enum ClientSecretMaker {
    /// Read once at start.
    Fixed(Secret),
    /// Signed by breakroom, renewed before expiry.
    Apple(apple_secret::AppleSecret),
}

/// Sign-in with one OpenID Provider.
pub struct SignIn {
    config: ProviderConfig,
    secret: ClientSecretMaker,
    options: SignInOptions,
    http: openidconnect::reqwest::Client,
    metadata: CoreProviderMetadata,
    issuer_rule: IssuerRule,
    keys: tokio::sync::Mutex<KeySet>,
    pending: Mutex<PendingLogins>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("provider", &self.config.id)
            .field("issuer", &self.config.issuer)
            .finish()
    }
}

impl SignIn {
    /// Reads the client secret, fetches the discovery document and the signing keys.
    pub async fn discover(
        config: ProviderConfig,
        options: SignInOptions,
    ) -> Result<SignIn, SignInError> {
        let secret = match &config.client_secret {
            SecretSource::AppleKey {
                team_id,
                key_id,
                key_file,
            } => ClientSecretMaker::Apple(apple_secret::AppleSecret::load(
                key_file,
                team_id,
                key_id,
                &config.client_id,
            )?),
            other => ClientSecretMaker::Fixed(other.load()?),
        };
        RedirectUrl::new(config.redirect_uri.clone())
            .map_err(|e| SignInError::Config(format!("redirect_uri: {e}")))?;
        let http = openidconnect::reqwest::Client::builder()
            // No redirects: a provider answers its own URLs.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(options.http_timeout)
            .build()
            .map_err(|e| SignInError::Config(e.to_string()))?;
        let url = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.trim_end_matches('/')
        );
        let metadata: CoreProviderMetadata = get_json(&http, &url).await?;
        let issuer_rule = issuer_rule(&config, metadata.issuer().as_str())?;
        let jwks = get_json(&http, metadata.jwks_uri().as_str()).await?;
        Ok(SignIn {
            pending: Mutex::new(PendingLogins::new(options.login_ttl, options.max_pending)),
            keys: tokio::sync::Mutex::new(KeySet {
                jwks,
                fetched_at: Instant::now(),
            }),
            config,
            secret,
            options,
            http,
            metadata,
            issuer_rule,
        })
    }

    /// The provider's [`ProviderConfig::id`].
    pub fn provider_id(&self) -> &str {
        &self.config.id
    }

    /// The provider's configuration.
    pub fn config(&self) -> &ProviderConfig {
        &self.config
    }

    fn client(
        &self,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SignInError,
    > {
        let redirect = RedirectUrl::new(self.config.redirect_uri.clone())
            .map_err(|e| SignInError::Config(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.current_secret()?.expose().to_owned(),
            )),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a login: the URL to send the browser to. Its state, nonce and PKCE verifier are
    /// kept until the callback.
    pub fn begin(&self) -> Result<Authorization, SignInError> {
        let client = self.client()?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(mode) = self.config.response_mode() {
            request = request.add_extra_param("response_mode", mode);
        }
        let (url, state, nonce) = request.url();
        self.lock_pending().insert(
            Instant::now(),
            state.secret().clone(),
            nonce.secret().clone(),
            verifier.secret().clone(),
        );
        Ok(Authorization {
            url: url.to_string(),
            state: state.secret().clone(),
        })
    }

    /// Finishes a login from its callback: the state, the code exchange and the ID token.
    pub async fn complete(&self, callback: Callback<'_>) -> Result<Identity, SignInError> {
        let pending = self.take_pending(callback.state)?;
        if let Some(error) = callback.error {
            // The provider's error code only (a registered value such as `access_denied`).
            let code: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(SignInError::ProviderRefused(code));
        }
        let code = callback
            .code
            .ok_or_else(|| SignInError::ProviderRefused("no code".into()))?;
        let id_token = self.exchange_code(&pending, code).await?;
        self.verify_id_token(&id_token, pending.nonce(), callback.user)
            .await
    }

    /// The pending login of this `state`, removed (a state works once).
    pub fn take_pending(&self, state: &str) -> Result<PendingLogin, SignInError> {
        self.lock_pending()
            .take(Instant::now(), state)
            .ok_or(SignInError::UnknownState)
    }

    /// Exchanges a code, with the login's PKCE verifier, for the raw ID token (not kept).
    pub async fn exchange_code(
        &self,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<String, SignInError> {
        let client = self.client()?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SignInError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    SignInError::CodeExchange(r.error().to_string())
                }
                other => SignInError::CodeExchange(other.to_string()),
            })?;
        // The access token is not used: breakroom reads the ID token only, and keeps neither.
        response
            .id_token()
            .map(|t| t.to_string())
            .ok_or(SignInError::NoIdToken)
    }

    /// Verifies a raw ID token for a login's nonce, now.
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        nonce: &str,
        apple_user: Option<&str>,
    ) -> Result<Identity, SignInError> {
        self.verify_id_token_at(id_token, nonce, apple_user, SystemTime::now())
            .await
    }

    /// Verifies a raw ID token as if the wall clock read `now` (for `exp` and `iat`). The
    /// nonce is accepted once.
    pub async fn verify_id_token_at(
        &self,
        id_token: &str,
        nonce: &str,
        apple_user: Option<&str>,
        now: SystemTime,
    ) -> Result<Identity, SignInError> {
        let kid = verify::kid_of(id_token)?;
        let jwks = self.keys_for(kid.as_deref()).await?;
        let exact = match &self.issuer_rule {
            IssuerRule::Exact(issuer) => Some(issuer.as_str()),
            IssuerRule::TenantTemplate(_) => None,
        };
        let facts = verify::verify(
            id_token,
            jwks,
            &verify::Expect {
                client_id: &self.config.client_id,
                exact_issuer: exact,
                fallback_issuer: &self.config.issuer,
                nonce,
                now: now.into(),
            },
        )?;
        rules::check_issuer(&self.issuer_rule, &facts)?;
        if !self.lock_pending().use_nonce(Instant::now(), nonce) {
            return Err(SignInError::NonceReplayed);
        }
        rules::identity(&self.config.id, &self.config.preset, facts, apple_user)
    }

    /// The key set to verify a token signed with `kid`, fetched again if the policy says so.
    async fn keys_for(&self, kid: Option<&str>) -> Result<CoreJsonWebKeySet, SignInError> {
        let mut keys = self.keys.lock().await;
        let known = kid.is_none_or(|k| verify::holds(&keys.jwks, k));
        let now = Instant::now();
        if let Some(why) = self.options.keys.decide(now, keys.fetched_at, known) {
            match get_json(&self.http, self.metadata.jwks_uri().as_str()).await {
                Ok(jwks) => {
                    *keys = KeySet {
                        jwks,
                        fetched_at: now,
                    };
                    tracing::debug!(provider = %self.config.id, reason = ?why, "signing keys fetched");
                }
                // A scheduled refresh that fails keeps the old keys.
                Err(e) if why == Refetch::Scheduled && known => {
                    tracing::warn!(provider = %self.config.id, error = %e, "signing keys not refreshed");
                }
                Err(e) => return Err(e),
            }
        }
        if kid.is_some_and(|k| !verify::holds(&keys.jwks, k)) {
            return Err(SignInError::UnknownKey);
        }
        Ok(keys.jwks.clone())
    }

    fn current_secret(&self) -> Result<Secret, SignInError> {
        match &self.secret {
            ClientSecretMaker::Fixed(secret) => Ok(secret.clone()),
            ClientSecretMaker::Apple(apple) => apple.at(SystemTime::now()),
        }
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, PendingLogins> {
        // A panic while holding this lock leaves consistent maps: keep going.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How `iss` will be checked, from the configured and the discovered issuer.
fn issuer_rule(config: &ProviderConfig, discovered: &str) -> Result<IssuerRule, SignInError> {
    if discovered == config.issuer {
        return Ok(IssuerRule::Exact(discovered.to_owned()));
    }
    let multi_tenant = ["common", "organizations"]
        .iter()
        .any(|seg| discovered.replace(TENANT_PLACEHOLDER, seg) == config.issuer);
    if matches!(config.preset, Preset::Entra { .. })
        && discovered.contains(TENANT_PLACEHOLDER)
        && multi_tenant
    {
        return Ok(IssuerRule::TenantTemplate(discovered.to_owned()));
    }
    Err(SignInError::IssuerMismatch {
        expected: config.issuer.clone(),
        found: discovered.to_owned(),
    })
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &openidconnect::reqwest::Client,
    url: &str,
) -> Result<T, SignInError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| SignInError::Discovery(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(SignInError::Discovery(format!(
            "{url}: HTTP {}",
            response.status()
        )));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| SignInError::Discovery(format!("{url}: {e}")))?;
    serde_json::from_slice(&body).map_err(|e| SignInError::Discovery(format!("{url}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(issuer: &str, preset: Preset) -> ProviderConfig {
        ProviderConfig {
            id: "p".into(),
            issuer: issuer.into(),
            client_id: "c".into(),
            client_secret: SecretSource::Value("s".into()),
            redirect_uri: "http://127.0.0.1/cb".into(),
            name: None,
            scopes: vec![],
            preset,
        }
    }

    #[test]
    fn entra_common_and_organizations_take_the_tenant_template_other_issuers_must_match() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let entra = Preset::Entra {
            allowed_tenants: None,
        };
        for tenant in ["common", "organizations"] {
            let c = config(
                &format!("https://login.microsoftonline.com/{tenant}/v2.0"),
                entra.clone(),
            );
            assert_eq!(
                issuer_rule(&c, template).expect("template"),
                IssuerRule::TenantTemplate(template.into())
            );
        }
        // Only Entra gets the template; a generic provider must match exactly.
        let generic = config(
            "https://login.microsoftonline.com/common/v2.0",
            Preset::Generic,
        );
        assert!(matches!(
            issuer_rule(&generic, template),
            Err(SignInError::IssuerMismatch { .. })
        ));
        let exact = config("http://127.0.0.1:4000", Preset::Generic);
        assert!(issuer_rule(&exact, "http://127.0.0.1:4000").is_ok());
        for other in ["http://127.0.0.1:4000/", "http://localhost:4000"] {
            assert!(
                matches!(
                    issuer_rule(&exact, other),
                    Err(SignInError::IssuerMismatch { .. })
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn entra_discovery_documents_with_the_template_issuer_parse() {
        let doc = serde_json::json!({
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
            "authorization_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
            "token_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
            "jwks_uri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        let metadata: CoreProviderMetadata = serde_json::from_value(doc).expect("parses");
        assert_eq!(
            metadata.issuer().as_str(),
            "https://login.microsoftonline.com/{tenantid}/v2.0"
        );
    }
}
