//! Access tokens: short-lived HS256 JWTs signed with an API key's secret.
//!
//! In the manner of LiveKit's access tokens: the issuer is the API key, the subject a user id,
//! and the claims name the room (or any room), the role and the grants. Tokens never appear in
//! logs. The rules a token must meet are specified in `protocol/PROTOCOL.md`, "Minting tokens":
//! [`LEEWAY_S`] of clock skew on `exp` and `iat`, no `iat` in the future beyond it, and a
//! lifetime (`exp - iat`) of at most the configured maximum.
//!
//! [`apps`]: embedding apps' join tokens (HS256, ES256 or EdDSA, at most 10 minutes, revocable
//! by `jti`), each acting in its app's organization.
//!
//! [`oidc`]: sign-in with OpenID Connect (Entra ID, Google, Apple, any provider);
//! [`providers`]: the configured providers; [`web_session`]: the session cookie and the Origin
//! check of cookie-authenticated requests; [`guest`]: tokens given out for guest links.

pub mod apps;
pub mod guest;
pub mod oidc;
pub mod principal;
pub mod providers;
pub mod web_session;

pub use principal::{DEFAULT_ORG, OrgRole, Principal, Source, authenticate_token};

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Role a token allows its holder to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TokenRole {
    /// May host and control sessions, and create rooms.
    Facilitator,
    /// May take part.
    Participant,
    /// May watch (a shared screen).
    Viewer,
}

/// What a token's holder may publish or do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// Send pose frames.
    pub pose: bool,
    /// Send score reports.
    pub score: bool,
    /// Use facilitator controls and create rooms.
    pub control: bool,
    /// Join without appearing in what others see: the roster, presence, the scoreboard, the
    /// skeletons and the summary. A hidden member observes; it publishes nothing and cannot host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl Grants {
    /// The usual grants of a role.
    pub fn for_role(role: TokenRole) -> Grants {
        match role {
            TokenRole::Facilitator => Grants {
                pose: true,
                score: true,
                control: true,
                hidden: false,
            },
            TokenRole::Participant => Grants {
                pose: true,
                score: true,
                control: false,
                hidden: false,
            },
            TokenRole::Viewer => Grants {
                pose: false,
                score: false,
                control: false,
                hidden: false,
            },
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the API key.
    pub iss: String,
    /// Subject: the user id.
    pub sub: String,
    /// Display name shown to others in a room.
    pub name: String,
    /// Email, if the identity provider gave one (kept, never shown to others, never logged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The room code this token is for; absent means any room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// The highest role the holder may take.
    pub role: TokenRole,
    /// What the holder may do.
    pub grants: Grants,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// The organization the holder acts in; absent means the default organization. Only
    /// guest tokens carry it, and only together with `link`, which must name an active guest
    /// link of that organization and room (see [`principal::authenticate_token`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The guest link a guest token was given out for (its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Seconds of clock skew allowed between the token's minter and the server, on `exp` and `iat`.
pub const LEEWAY_S: u64 = 5;

/// The longest token lifetime (`exp - iat`) accepted unless configured otherwise: a day.
pub const DEFAULT_MAX_LIFETIME_S: u64 = 24 * 60 * 60;

/// Why a token was refused. Deliberately vague towards clients.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Expired.
    #[error("token expired")]
    Expired,
    /// Bad signature, issuer, shape or claims.
    #[error("token invalid")]
    Invalid,
    /// Revoked by its id, or its embedding app is disabled.
    #[error("token revoked")]
    Revoked,
}

/// Signs and checks tokens with one API key.
#[derive(Clone)]
pub struct TokenKeys {
    key: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    max_lifetime_s: u64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys for an API key and its secret.
    pub fn new(key: &str, secret: &str) -> TokenKeys {
        TokenKeys {
            key: key.to_owned(),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            max_lifetime_s: DEFAULT_MAX_LIFETIME_S,
        }
    }

    /// The same keys, accepting tokens whose lifetime (`exp - iat`) is at most `max`.
    pub fn with_max_lifetime(self, max: Duration) -> TokenKeys {
        TokenKeys {
            max_lifetime_s: max.as_secs(),
            ..self
        }
    }

    /// Mints a token for `user`, valid for `ttl`.
    pub fn mint(&self, spec: TokenSpec, ttl: Duration) -> anyhow::Result<String> {
        let now = unix_seconds();
        let claims = Claims {
            iss: self.key.clone(),
            sub: spec.user,
            name: spec.name,
            email: spec.email,
            room: spec.room,
            role: spec.role,
            grants: spec.grants.unwrap_or_else(|| Grants::for_role(spec.role)),
            iat: now,
            exp: now + ttl.as_secs(),
            org: None,
            link: None,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Signs claims as they are (tests use it for expired tokens).
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// Checks a token's signature, issuer, expiry, issue time and lifetime, and returns its
    /// claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, unix_seconds())
    }

    /// [`Self::verify`] with the current time given (seconds since the Unix epoch).
    pub fn verify_at(&self, token: &str, now: u64) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.key]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // `exp` is checked below, against `now`.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            },
        )?;
        let claims = data.claims;
        if claims.exp.saturating_add(LEEWAY_S) < now {
            return Err(TokenError::Expired);
        }
        // Issued in the future (beyond the skew allowed), or valid for longer than allowed:
        // a token minted by a broken or compromised minter.
        let lifetime = claims.exp.saturating_sub(claims.iat);
        if claims.iat > now.saturating_add(LEEWAY_S) || lifetime > self.max_lifetime_s {
            return Err(TokenError::Invalid);
        }
        let name_ok = !claims.name.is_empty()
            && claims.name.chars().count() <= breakroom_protocol::validate::MAX_NAME
            && !claims.name.chars().any(char::is_control);
        if !name_ok || claims.sub.is_empty() || claims.sub.len() > 128 {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

/// What to put in a new token.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    /// User id.
    pub user: String,
    /// Display name.
    pub name: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Room code, or any room.
    pub room: Option<String>,
    /// Role.
    pub role: TokenRole,
    /// Grants; the role's usual ones when `None`.
    pub grants: Option<Grants>,
}

/// Seconds since the Unix epoch.
pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A random URL-safe string of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The file in the data folder that holds the generated API key.
pub const KEY_FILE: &str = "api-key.json";

/// An API key and its secret, as kept in [`KEY_FILE`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key (the JWT issuer).
    pub key: String,
    /// The secret.
    pub secret: String,
}

/// The API key kept in `data_dir`, created (readable by the owner only) on first use. This is
/// what lets `breakroom serve` run with no configuration at all, and `breakroom token` mint
/// tokens for that server.
pub fn load_or_create_key(data_dir: &std::path::Path) -> anyhow::Result<ApiKey> {
    use anyhow::Context as _;
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating data dir {}", data_dir.display()))?;
    let key = ApiKey {
        key: format!("key-{}", random_token(9)),
        secret: random_token(32),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, serde_json::to_string_pretty(&key)?.as_bytes())?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TokenSpec {
        TokenSpec {
            user: "u1".into(),
            name: "Ada".into(),
            email: None,
            room: None,
            role: TokenRole::Participant,
            grants: None,
        }
    }

    #[test]
    fn minted_tokens_verify_and_forged_ones_do_not() {
        let keys = TokenKeys::new("key", &"s".repeat(32));
        let token = keys.mint(spec(), Duration::from_secs(60)).expect("mint");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.grants.control), ("u1", false));

        let other = TokenKeys::new("key", &"t".repeat(32));
        assert!(matches!(other.verify(&token), Err(TokenError::Invalid)));
        let wrong_issuer = TokenKeys::new("other", &"s".repeat(32));
        assert!(matches!(
            wrong_issuer.verify(&token),
            Err(TokenError::Invalid)
        ));
        assert!(matches!(keys.verify("garbage"), Err(TokenError::Invalid)));
    }

    #[test]
    fn the_generated_key_is_kept_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load_or_create_key(dir.path()).expect("created");
        let again = load_or_create_key(dir.path()).expect("loaded");
        assert_eq!(
            (first.key.as_str(), first.secret.as_str()),
            (again.key.as_str(), again.secret.as_str())
        );
        assert!(first.secret.len() >= 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(KEY_FILE)).expect("file");
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = TokenKeys::new("key", &"s".repeat(32));
        let mut claims = Claims {
            iss: "key".into(),
            sub: "u".into(),
            name: "A".into(),
            email: None,
            room: None,
            role: TokenRole::Viewer,
            grants: Grants::for_role(TokenRole::Viewer),
            iat: unix_seconds() - 120,
            exp: unix_seconds() - 60,
            org: None,
            link: None,
        };
        let token = jsonwebtoken::encode(&Header::default(), &claims, &keys.encoding).expect("enc");
        assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
        claims.exp = unix_seconds() + 60;
        let token = jsonwebtoken::encode(&Header::default(), &claims, &keys.encoding).expect("enc");
        assert!(keys.verify(&token).is_ok());
    }

    /// The rules of "Minting tokens" in PROTOCOL.md, at the edges of the leeway and lifetime.
    #[test]
    fn issue_time_and_lifetime_are_bounded() {
        let keys =
            TokenKeys::new("key", &"s".repeat(32)).with_max_lifetime(Duration::from_secs(600));
        let now = 1_800_000_000;
        let check = |iat: u64, exp: u64| {
            let claims = Claims {
                iss: "key".into(),
                sub: "u".into(),
                name: "A".into(),
                email: None,
                room: None,
                role: TokenRole::Participant,
                grants: Grants::for_role(TokenRole::Participant),
                iat,
                exp,
                org: None,
                link: None,
            };
            let token = keys.sign(&claims).expect("signed");
            match keys.verify_at(&token, now) {
                Ok(_) => "ok",
                Err(TokenError::Expired) => "expired",
                Err(TokenError::Invalid) => "invalid",
                Err(TokenError::Revoked) => "revoked",
            }
        };
        let cases = [
            // (iat, exp, verdict)
            (now, now + 600, "ok"),
            (now, now + 601, "invalid"),
            (now + LEEWAY_S, now + 60, "ok"),
            (now + LEEWAY_S + 1, now + 60, "invalid"),
            (now + 3600, now + 3660, "invalid"),
            (now - 100, now - LEEWAY_S, "ok"),
            (now - 100, now - LEEWAY_S - 1, "expired"),
            (now - 700, now - 100, "expired"),
        ];
        for (iat, exp, want) in cases {
            assert_eq!(
                check(iat, exp),
                want,
                "iat now{:+} exp now{:+}",
                iat as i64 - now as i64,
                exp as i64 - now as i64
            );
        }
    }
}
