//! ID token verification with the `openidconnect` crate: the signature against the provider's
//! keys (asymmetric algorithms only, so `alg: none` and HS256 with a public key as its secret
//! are refused), `aud`, `exp`, `iat`, `nonce` and, where the issuer is exact, `iss`.

use base64::Engine as _;
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    ClaimsVerificationError, ClientId, IdToken, IdTokenClaims, IdTokenVerifier, IssuerUrl,
    JsonWebKey as _, Nonce, SignatureVerificationError,
};

use super::SignInError;
use super::rules::{ExtraClaims, Facts};

/// An ID token with the claims breakroom reads.
pub(crate) type Token = IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The signature algorithms accepted: asymmetric ones only.
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The `kid` in a compact JWT's header, if it names one.
pub(crate) fn kid_of(raw: &str) -> Result<Option<String>, SignInError> {
    let header = raw.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| SignInError::InvalidToken("the header is not base64url".into()))?;
    let header: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| SignInError::InvalidToken("the header is not JSON".into()))?;
    Ok(header
        .get("kid")
        .and_then(|k| k.as_str())
        .map(str::to_owned))
}

/// Whether the key set holds a key with this id.
pub(crate) fn holds(jwks: &CoreJsonWebKeySet, kid: &str) -> bool {
    jwks.keys()
        .iter()
        .any(|k| k.key_id().map(|id| id.as_str()) == Some(kid))
}

/// What a verification needs besides the token.
pub(crate) struct Expect<'a> {
    pub(crate) client_id: &'a str,
    /// The exact issuer, or `None` when `iss` is checked afterwards (Entra's template).
    pub(crate) exact_issuer: Option<&'a str>,
    pub(crate) fallback_issuer: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) now: chrono::DateTime<chrono::Utc>,
}

/// Verifies the token and reads its facts.
pub(crate) fn verify(
    raw: &str,
    jwks: CoreJsonWebKeySet,
    expect: &Expect<'_>,
) -> Result<Facts, SignInError> {
    let token: Token = raw
        .parse()
        .map_err(|_| SignInError::InvalidToken("not a signed JWT".into()))?;
    let issuer = expect.exact_issuer.unwrap_or(expect.fallback_issuer);
    let issuer = IssuerUrl::new(issuer.to_owned())
        .map_err(|e| SignInError::Config(format!("issuer: {e}")))?;
    let now = expect.now;
    let verifier = IdTokenVerifier::new_public_client(
        ClientId::new(expect.client_id.to_owned()),
        issuer,
        jwks,
    )
    .set_allowed_algs(ALLOWED_ALGS)
    .require_issuer_match(expect.exact_issuer.is_some())
    .set_time_fn(move || now);
    let claims = token
        .claims(&verifier, &Nonce::new(expect.nonce.to_owned()))
        .map_err(claims_error)?;
    Ok(facts_from_claims(claims))
}

fn claims_error(e: ClaimsVerificationError) -> SignInError {
    match e {
        ClaimsVerificationError::Expired(_) => SignInError::TokenExpired,
        ClaimsVerificationError::InvalidAudience(_) => SignInError::WrongAudience,
        ClaimsVerificationError::InvalidIssuer(_) => SignInError::WrongIssuer,
        ClaimsVerificationError::InvalidNonce(_) => SignInError::WrongNonce,
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::DisallowedAlg(alg)
            | SignatureVerificationError::UnsupportedAlg(alg),
        ) => SignInError::DisallowedAlgorithm(alg),
        ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoSignature) => {
            SignInError::DisallowedAlgorithm("none".into())
        }
        ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        ) => SignInError::UnknownKey,
        ClaimsVerificationError::SignatureVerification(e) => {
            SignInError::BadSignature(e.to_string())
        }
        other => SignInError::InvalidToken(other.to_string()),
    }
}

/// The few claims the rules read, from verified claims.
pub(crate) fn facts_from_claims(claims: &IdTokenClaims<ExtraClaims, CoreGenderClaim>) -> Facts {
    Facts {
        iss: claims.issuer().as_str().to_owned(),
        sub: claims.subject().as_str().to_owned(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        locale: claims.locale().map(|l| l.as_str().to_owned()),
        extra: claims.additional_claims().clone(),
    }
}
