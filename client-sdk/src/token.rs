//! Access tokens over a connection's life: where fresh ones come from ([`TokenSource`]) and
//! when to ask for one ([`refresh_delay`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;

/// What a token source's future gives: a token, or why none could be had.
pub type TokenResult = Result<String, Box<dyn std::error::Error + Send + Sync>>;

type Fetch = Pin<Box<dyn Future<Output = TokenResult> + Send>>;

/// Where the client gets a fresh access token: typically a call to the application's backend,
/// which mints one. Set in [`crate::ClientOptions::token_source`], it is asked
///
/// - shortly before the connection's token expires (the `expires_at` of `welcome` and of each
///   `refreshed`; see [`refresh_delay`]), and the new token is sent with `refresh` in-band,
///   without reconnecting;
/// - before every reconnection, so that `hello` carries a token that is still valid.
///
/// ```
/// use breakroom_client::{ClientOptions, TokenSource};
/// let options = ClientOptions {
///     token_source: Some(TokenSource::new(|| async {
///         // e.g. reqwest::get("https://app.example/breakroom-token").await?.text().await
///         Ok::<_, std::io::Error>("eyJ...".to_owned())
///     })),
///     ..ClientOptions::default()
/// };
/// # drop(options);
/// ```
#[derive(Clone)]
pub struct TokenSource(Arc<dyn Fn() -> Fetch + Send + Sync>);

impl TokenSource {
    /// A source that calls `fetch` for each token.
    pub fn new<F, Fut, E>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        TokenSource(Arc::new(move || {
            let fut = fetch();
            Box::pin(async move { fut.await.map_err(Into::into) })
        }))
    }

    /// Asks for a token; a failure becomes [`Error::TokenSource`].
    pub(crate) fn fetch(&self) -> impl Future<Output = Result<String, Error>> + Send + 'static {
        let fut = (self.0)();
        async move { fut.await.map_err(|e| Error::TokenSource(e.to_string())) }
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSource(..)")
    }
}

impl PartialEq for TokenSource {
    /// The same source (a clone of it), not merely an equivalent one.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Ask for a new token no sooner than this before trying again after a failure.
pub(crate) const MIN_RETRY: Duration = Duration::from_secs(1);

/// How long after learning that a token has `remaining` life left to refresh it: at 80 % of
/// it or 60 s before expiry, whichever comes first, but never before half of it has passed
/// (so that a short-lived token is not refreshed over and over).
///
/// A 10-minute token is refreshed after 8 minutes, an hour-long one after 48 minutes, a
/// 100-second one after 50 seconds.
pub fn refresh_delay(remaining: Duration) -> Duration {
    let early = remaining.mul_f64(0.8);
    let margin = remaining.saturating_sub(Duration::from_secs(60));
    early.min(margin).max(remaining / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_comes_at_80_percent_or_a_minute_before_but_not_before_half() {
        let check = |remaining_s: u64, expected_ms: u64| {
            assert_eq!(
                refresh_delay(Duration::from_secs(remaining_s)),
                Duration::from_millis(expected_ms),
                "remaining {remaining_s} s"
            );
        };
        check(600, 480_000); // 80 %: 2 minutes before.
        check(3600, 2_880_000); // 80 %.
        check(250, 190_000); // 60 s before (80 % would be 200 s).
        check(100, 50_000); // 60 s before would be 40 s: half.
        check(30, 15_000);
        check(0, 0);
    }

    #[tokio::test]
    async fn a_source_failure_is_a_token_source_error() {
        let source = TokenSource::new(|| async { Err::<String, _>("backend down") });
        let err = source.fetch().await.err();
        assert!(
            matches!(&err, Some(Error::TokenSource(m)) if m == "backend down"),
            "{err:?}"
        );
        let ok = TokenSource::new(|| async { Ok::<_, std::io::Error>("t".to_owned()) });
        assert_eq!(ok.fetch().await.ok().as_deref(), Some("t"));
        assert_eq!(ok.clone(), ok);
        assert_ne!(ok, source);
    }
}
