//! The clock-sync ping schedule: a burst of 16 at each connection and reconnection, then one
//! per interval for the life of the connection; and what the pongs make of the estimate.
//! Against the scripted stand-in (`support`), over real sockets on 127.0.0.1:0.
//!
//! The schedule is checked on the pings' own `t0` (the client's monotonic clock): a sleep never
//! ends early, so the lower bounds hold however loaded the machine is.

#![allow(clippy::unwrap_used)] // Test code.

mod support;

use std::time::Duration;

use breakroom_client::protocol::{ClientMsg, ServerMsg, decode_client};
use breakroom_client::{Client, ClientOptions, Event};
use futures_util::StreamExt;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use support::{Conn, MockServer, OFFSET, WAIT, now, options};

/// Reads until `n` pings have come, answering each on the stand-in's clock; their `t0`s.
async fn pings(conn: &mut Conn, n: usize) -> Vec<u64> {
    let mut t0s = Vec::new();
    while t0s.len() < n {
        let frame = timeout(WAIT, conn.ws.next()).await.expect("a ping");
        let Some(Ok(Message::Binary(bytes))) = frame else {
            panic!("the connection ended: {frame:?}");
        };
        if let ClientMsg::Ping { t0 } = decode_client(&bytes).unwrap() {
            t0s.push(t0);
            let t = now() + OFFSET;
            conn.send(ServerMsg::Pong { t0, t1: t, t2: t }).await;
        }
    }
    t0s
}

fn spacing(t0s: &[u64]) -> Vec<u64> {
    t0s.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn the_defaults_are_a_burst_of_16_then_one_a_second() {
    let defaults = ClientOptions::default();
    assert_eq!(defaults.ping_burst, 16);
    assert_eq!(defaults.ping_interval, Duration::from_secs(1));
}

#[tokio::test]
async fn a_burst_of_16_at_connect_and_at_every_reconnection_then_one_per_interval() {
    let interval = Duration::from_secs(2);
    let interval_us = u64::try_from(interval.as_micros()).unwrap();
    let opts = ClientOptions {
        ping_interval: interval,
        ..options()
    };
    let mut server = MockServer::start().await;
    let url = server.url.clone();
    let (client, mut conn) = tokio::join!(Client::connect_with(&url, "tok", opts), async {
        let mut conn = server.accept().await;
        conn.welcome("r1").await;
        conn
    });
    let mut client = client.unwrap();

    let t0s = pings(&mut conn, 18).await;
    let gaps = spacing(&t0s);
    // 16 pings at least 50 ms apart, then the steady interval.
    assert!(gaps[..15].iter().all(|&g| g >= 50_000), "{gaps:?}");
    assert!(gaps[..15].iter().all(|&g| g < interval_us), "{gaps:?}");
    assert!(gaps[15..].iter().all(|&g| g >= interval_us), "{gaps:?}");
    // The stand-in answers at once on loopback: the estimate is tight and right.
    let uncertainty = client.sync_uncertainty().expect("synced");
    assert!(uncertainty < Duration::from_millis(50), "{uncertainty:?}");
    let error = client.clock_offset() - i64::try_from(OFFSET).unwrap();
    assert!(
        error.unsigned_abs() <= u64::try_from(uncertainty.as_micros()).unwrap(),
        "offset off by {error} µs, beyond {uncertainty:?}"
    );

    // The connection drops: the new one starts with a burst again.
    drop(conn);
    assert_eq!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Reconnecting { attempt: 1 }
    );
    let mut conn = server.accept().await;
    conn.welcome("r2").await;
    let t0s = pings(&mut conn, 17).await;
    let gaps = spacing(&t0s);
    assert!(gaps[..15].iter().all(|&g| g < interval_us), "{gaps:?}");
    assert!(gaps[15] >= interval_us, "{gaps:?}");
}
