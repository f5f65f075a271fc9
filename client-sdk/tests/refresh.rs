//! In-band token refresh and the close codes that end a connection's credentials, against the
//! scripted stand-in for the server (`support`).

#![allow(clippy::unwrap_used)] // Test code.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use breakroom_client::protocol::{ClientMsg, ServerMsg, close};
use breakroom_client::{Client, ClientOptions, Error, ErrorCode, Event, TokenSource};
use tokio::time::{Instant, timeout};

use support::{MockServer, OFFSET, WAIT, joined, now, options};

/// The stand-in's clock in whole seconds, as `expires_at` counts.
fn server_secs() -> u64 {
    (now() + OFFSET) / 1_000_000
}

#[tokio::test]
async fn refresh_sends_the_token_and_resolves_on_refreshed() {
    let mut server = MockServer::start().await;
    let (mut client, mut conn) = joined(&mut server).await;
    assert_eq!(client.token_expires_at(), None);
    let expires_at = server_secs() + 600;

    // Accepted: the call returns the new expiry, also told as an event.
    let (result, ()) = tokio::join!(client.refresh("tok2"), async {
        let msg = conn.recv_request().await;
        let ClientMsg::Refresh { seq, token } = msg else {
            panic!("expected refresh, got {msg:?}");
        };
        assert_eq!(token, "tok2");
        conn.send(ServerMsg::Refreshed { seq, expires_at }).await;
    });
    assert_eq!(result.unwrap(), expires_at);
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Refreshed { expires_at }
    );
    assert_eq!(client.token_expires_at(), Some(expires_at));

    // Refused: the server's error answers the call; the connection keeps its token.
    let (result, ()) = tokio::join!(client.refresh("someone-else"), async {
        let ClientMsg::Refresh { seq, .. } = conn.recv_request().await else {
            panic!("expected refresh");
        };
        let refusal = ServerMsg::Error {
            code: ErrorCode::Unauthorized,
            message: "another subject".into(),
            seq: Some(seq),
        };
        conn.send(refusal).await;
    });
    assert!(
        matches!(
            &result,
            Err(Error::Server {
                code: ErrorCode::Unauthorized,
                ..
            })
        ),
        "{result:?}"
    );
    // A token no server would read is not sent at all.
    assert!(matches!(client.refresh("").await, Err(Error::Invalid(_))));

    // A reconnection presents the accepted token, not the refused one.
    conn.close(close::GOING_AWAY).await;
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Reconnecting { attempt: 1 }
    );
    let mut conn = server.accept().await;
    conn.welcome_with("tok2", "r2", None).await;
}

/// A token source that counts its calls and notes when (on tokio's clock) each came.
fn counting_source(fail_first: bool) -> (TokenSource, Arc<Mutex<Vec<Instant>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&calls);
    let source = TokenSource::new(move || {
        let n = {
            let mut log = log.lock().unwrap();
            log.push(Instant::now());
            log.len()
        };
        async move {
            if fail_first && n == 1 {
                return Err("backend down".to_owned());
            }
            Ok(format!("fresh-{n}"))
        }
    });
    (source, calls)
}

/// Long enough never to be what the paused clock jumps to: it then jumps to the client's timers.
const PAUSED_WAIT: Duration = Duration::from_secs(10_000);

/// The stand-in's token lives 10 minutes. Tokio's clock is paused while the test waits for the
/// refresh, so it jumps to each timer the client sets (the test never sleeps for real).
#[tokio::test]
async fn the_token_source_refreshes_before_expiry_and_serves_reconnections() {
    let (source, calls) = counting_source(false);
    let opts = ClientOptions {
        token_source: Some(source),
        // No clock-sync chatter while the test's clock jumps minutes ahead.
        ping_interval: Duration::from_secs(3600),
        ping_burst: 1,
        ..options()
    };
    let mut server = MockServer::start().await;
    let url = server.url.clone();
    let expires_at = server_secs() + 600;
    let (client, mut conn) = tokio::join!(Client::connect_with(&url, "tok", opts), async {
        let mut conn = server.accept().await;
        conn.welcome_with("tok", "r1", Some(expires_at)).await;
        conn
    });
    let mut client = client.unwrap();
    assert_eq!(client.token_expires_at(), Some(expires_at));
    let welcomed = Instant::now();
    tokio::time::pause();

    // The first refresh: at 80 % of the (just under) 600 s left, from the source.
    let Ok(ClientMsg::Refresh { seq, token }) = conn.recv_within(PAUSED_WAIT).await else {
        panic!("expected refresh");
    };
    assert_eq!(token, "fresh-1");
    let asked = calls.lock().unwrap()[0] - welcomed;
    assert!(
        asked >= Duration::from_secs(479) && asked <= Duration::from_secs(480),
        "asked for a token after {asked:?}"
    );
    let next_expiry = expires_at + 600;
    conn.send(ServerMsg::Refreshed {
        seq,
        expires_at: next_expiry,
    })
    .await;
    assert_eq!(
        client.next_event_timeout(PAUSED_WAIT).await.unwrap(),
        Event::Refreshed {
            expires_at: next_expiry
        }
    );
    assert_eq!(client.token_expires_at(), Some(next_expiry));
    tokio::time::resume();

    // A reconnection asks the source for a token of its own.
    conn.close(close::GOING_AWAY).await;
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Reconnecting { attempt: 1 }
    );
    let mut conn = server.accept().await;
    conn.welcome_with("fresh-2", "r2", Some(next_expiry)).await;
    assert_eq!(calls.lock().unwrap().len(), 2);
}

/// A token of 100 s: asked at 50 s (half), retried at half the time left each time.
#[tokio::test]
async fn a_failed_automatic_refresh_is_told_and_retried() {
    let (source, calls) = counting_source(true);
    let opts = ClientOptions {
        token_source: Some(source),
        ping_interval: Duration::from_secs(3600),
        ping_burst: 1,
        ..options()
    };
    let mut server = MockServer::start().await;
    let url = server.url.clone();
    let expires_at = server_secs() + 100;
    let (client, mut conn) = tokio::join!(Client::connect_with(&url, "tok", opts), async {
        let mut conn = server.accept().await;
        conn.welcome_with("tok", "r1", Some(expires_at)).await;
        conn
    });
    let mut client = client.unwrap();
    let welcomed = Instant::now();
    tokio::time::pause();

    // At half the 100 s: the source fails; the application hears it.
    let event = client.next_event_timeout(PAUSED_WAIT).await;
    assert!(
        matches!(&event, Ok(Event::RefreshFailed { reason }) if reason.contains("backend down")),
        "{event:?}"
    );
    // Retried at half the time left: the server refuses that token, which is told too.
    let Ok(ClientMsg::Refresh { seq, token }) = conn.recv_within(PAUSED_WAIT).await else {
        panic!("expected refresh");
    };
    assert_eq!(token, "fresh-2");
    let refusal = ServerMsg::Error {
        code: ErrorCode::Unauthorized,
        message: "token expired".into(),
        seq: Some(seq),
    };
    conn.send(refusal).await;
    let event = client.next_event_timeout(PAUSED_WAIT).await;
    assert!(
        matches!(&event, Ok(Event::RefreshFailed { reason }) if reason.contains("token expired")),
        "{event:?}"
    );
    // And again, before the token expires.
    let Ok(ClientMsg::Refresh { seq, token }) = conn.recv_within(PAUSED_WAIT).await else {
        panic!("expected refresh");
    };
    assert_eq!(token, "fresh-3");
    // A server without refresh: told, and not asked again.
    let refusal = ServerMsg::Error {
        code: ErrorCode::Unsupported,
        message: "refresh is not available on this server yet".into(),
        seq: Some(seq),
    };
    conn.send(refusal).await;
    let event = client.next_event_timeout(PAUSED_WAIT).await;
    assert!(
        matches!(&event, Ok(Event::RefreshFailed { reason }) if reason.contains("Unsupported")),
        "{event:?}"
    );
    tokio::time::sleep(Duration::from_secs(60)).await; // past the expiry, on the paused clock
    assert_eq!(calls.lock().unwrap().len(), 3);
    let asked: Vec<f64> = calls
        .lock()
        .unwrap()
        .iter()
        .map(|at| (*at - welcomed).as_secs_f64())
        .collect();
    // Just under 100 s left at the welcome: at half of it, then at half of what is left, twice.
    let expected = [50.0, 75.0, 87.5];
    assert_eq!(asked.len(), 3, "asked at {asked:?} s");
    for (at, want) in asked.iter().zip(expected) {
        assert!(
            (want - 1.0..=want).contains(at),
            "asked at {asked:?} s, not near {expected:?}"
        );
    }
}

#[tokio::test]
async fn signed_out_expired_and_revoked_end_the_client_without_reconnecting() {
    for code in [close::SIGNED_OUT, close::TOKEN_EXPIRED, close::REVOKED] {
        let mut server = MockServer::start().await;
        let (mut client, mut conn) = joined(&mut server).await;
        conn.close(code).await;
        let event = client.next_event_timeout(WAIT).await.unwrap();
        assert_eq!(
            event,
            Event::Closed {
                code,
                reason: "bye".into()
            }
        );
        assert!(event.credentials_ended(), "{code}");
        assert_eq!(client.next_event().await, None, "{code}");
        let refresh = client.refresh("tok2").await;
        assert!(
            matches!(refresh, Err(Error::Closed { .. } | Error::Disconnected)),
            "{code}: {refresh:?}"
        );
        assert!(
            timeout(Duration::from_millis(200), server.accept())
                .await
                .is_err(),
            "reconnected after {code}"
        );
    }
}

/// A server that never answers a refresh: given up after the request timeout, told, retried.
#[tokio::test]
async fn an_unanswered_automatic_refresh_is_given_up_and_retried() {
    let (source, calls) = counting_source(false);
    let opts = ClientOptions {
        token_source: Some(source),
        ping_interval: Duration::from_secs(3600),
        ping_burst: 1,
        ..options()
    };
    let mut server = MockServer::start().await;
    let url = server.url.clone();
    let expires_at = server_secs() + 600;
    let (client, mut conn) = tokio::join!(Client::connect_with(&url, "tok", opts), async {
        let mut conn = server.accept().await;
        conn.welcome_with("tok", "r1", Some(expires_at)).await;
        conn
    });
    let mut client = client.unwrap();
    tokio::time::pause();

    let Ok(ClientMsg::Refresh { token, .. }) = conn.recv_within(PAUSED_WAIT).await else {
        panic!("expected refresh");
    };
    assert_eq!(token, "fresh-1");
    // No answer: after the request timeout (10 s) the client gives up on it and says so ...
    let event = client.next_event_timeout(PAUSED_WAIT).await;
    assert!(
        matches!(&event, Ok(Event::RefreshFailed { reason }) if reason.contains("no answer")),
        "{event:?}"
    );
    // ... and asks again (at half the time left), before the token expires.
    let Ok(ClientMsg::Refresh { token, .. }) = conn.recv_within(PAUSED_WAIT).await else {
        panic!("expected refresh");
    };
    assert_eq!(token, "fresh-2");
    let asked = calls.lock().unwrap().clone();
    let gap = asked[1] - asked[0];
    // 10 s of waiting, then half of the ~110 s left.
    assert!(
        gap >= Duration::from_secs(60) && gap <= Duration::from_secs(66),
        "{gap:?}"
    );
}
