//! Sign in with Apple's client secret: not a fixed string but an ES256 JWT that breakroom signs
//! with the `.p8` key from Apple's developer account (`iss` the team id, `sub` the Services ID,
//! `aud` `https://appleid.apple.com`, `kid` the key id). Apple accepts at most six months of
//! lifetime; breakroom signs for [`AppleSecret::LIFETIME`] and signs a new one when less than
//! [`AppleSecret::RENEW_BEFORE`] is left. Time is an input.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::SignInError;
use super::provider_config::Secret;

/// Signs and renews Apple client secrets.
pub(crate) struct AppleSecret {
    key: EncodingKey,
    team_id: String,
    key_id: String,
    client_id: String,
    /// The secret signed last and its expiry.
    current: Mutex<Option<(Secret, SystemTime)>>,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl AppleSecret {
    /// How long each signed secret is valid.
    pub(crate) const LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
    /// A new secret is signed when the current one has less than this left.
    pub(crate) const RENEW_BEFORE: Duration = Duration::from_secs(24 * 3600);

    /// Reads the `.p8` key (PKCS#8 PEM).
    pub(crate) fn load(
        key_file: &Path,
        team_id: &str,
        key_id: &str,
        client_id: &str,
    ) -> Result<Self, SignInError> {
        let pem = std::fs::read(key_file)
            .map_err(|e| SignInError::Secret(format!("{}: {e}", key_file.display())))?;
        Self::from_pem(&pem, team_id, key_id, client_id)
    }

    pub(crate) fn from_pem(
        pem: &[u8],
        team_id: &str,
        key_id: &str,
        client_id: &str,
    ) -> Result<Self, SignInError> {
        let key = EncodingKey::from_ec_pem(pem).map_err(|_| {
            SignInError::Secret("the Apple key is not a PKCS#8 P-256 PEM (.p8)".into())
        })?;
        Ok(AppleSecret {
            key,
            team_id: team_id.into(),
            key_id: key_id.into(),
            client_id: client_id.into(),
            current: Mutex::new(None),
        })
    }

    /// The secret to send at `now`: the current one, or a newly signed one near its expiry.
    pub(crate) fn at(&self, now: SystemTime) -> Result<Secret, SignInError> {
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((secret, expires)) = current.as_ref()
            && expires
                .duration_since(now)
                .is_ok_and(|left| left > Self::RENEW_BEFORE)
        {
            return Ok(secret.clone());
        }
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| SignInError::Secret("clock before 1970".into()))?;
        let expires = now + Self::LIFETIME;
        let claims = Claims {
            iss: &self.team_id,
            sub: &self.client_id,
            aud: "https://appleid.apple.com",
            iat: iat.as_secs(),
            exp: (iat + Self::LIFETIME).as_secs(),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.key_id.clone());
        let jwt = jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| SignInError::Secret(format!("signing the Apple client secret: {e}")))?;
        let secret = Secret::new(jwt);
        *current = Some((secret.clone(), expires));
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{DecodingKey, Validation};

    use super::*;

    // A P-256 key made for this test only (`openssl genpkey -algorithm EC -pkeyopt
    // ec_paramgen_curve:P-256`); it signs nothing anywhere else.
    const TEST_P8: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGQpbBhUe8tdfSqsg
x5Y8JmrESxOwogPXSJ8G+TIMapuhRANCAAQmFYqm1hzDDanbwrWymN0Sn4GMo8n1
EEufIlq8eVSZpy9KLO0ItRchjqP7daHdIIJOuJbOdNcuev6aBr6KQ6hA
-----END PRIVATE KEY-----
";
    const TEST_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJhWKptYcww2p28K1spjdEp+BjKPJ
9RBLnyJavHlUmacvSiztCLUXIY6j+3Wh3SCCTriWznTXLnr+mga+ikOoQA==
-----END PUBLIC KEY-----
";

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Read {
        iss: String,
        sub: String,
        aud: String,
        iat: u64,
        exp: u64,
    }

    fn read(jwt: &str) -> (jsonwebtoken::Header, Read) {
        let key = DecodingKey::from_ec_pem(TEST_PUBLIC.as_bytes()).expect("public key");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://appleid.apple.com"]);
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Read>(jwt, &key, &validation).expect("a valid ES256 JWT");
        (data.header, data.claims)
    }

    #[test]
    fn the_secret_is_an_es256_jwt_signed_with_the_p8_key_and_renewed_before_expiry() {
        let apple = AppleSecret::from_pem(
            TEST_P8.as_bytes(),
            "TEAM123456",
            "KEY1234567",
            "com.example.breakroom",
        )
        .expect("key loads");
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let first = apple.at(t0).expect("signs");
        let (header, claims) = read(first.expose());
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::ES256, Some("KEY1234567"))
        );
        assert_eq!(
            claims,
            Read {
                iss: "TEAM123456".into(),
                sub: "com.example.breakroom".into(),
                aud: "https://appleid.apple.com".into(),
                iat: 1_800_000_000,
                exp: 1_800_000_000 + AppleSecret::LIFETIME.as_secs(),
            }
        );
        // Reused while more than RENEW_BEFORE is left...
        let later = t0 + AppleSecret::LIFETIME - AppleSecret::RENEW_BEFORE - Duration::from_secs(1);
        assert_eq!(apple.at(later).expect("reuses").expose(), first.expose());
        // ...then signed anew, valid from then.
        let renewal = t0 + AppleSecret::LIFETIME - AppleSecret::RENEW_BEFORE;
        let second = apple.at(renewal).expect("renews");
        assert_ne!(second.expose(), first.expose());
        let (_, claims) = read(second.expose());
        assert_eq!(
            claims.exp,
            renewal
                .duration_since(UNIX_EPOCH)
                .expect("after 1970")
                .as_secs()
                + AppleSecret::LIFETIME.as_secs()
        );
    }

    #[test]
    fn a_key_that_is_not_a_p8_is_refused_without_showing_it() {
        let Err(err) = AppleSecret::from_pem(b"not a key", "T", "K", "C") else {
            panic!("accepted a bad key")
        };
        assert!(err.to_string().contains(".p8"), "{err}");
    }
}
