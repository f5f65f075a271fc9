//! A TCP proxy on 127.0.0.1 that delays each direction of every connection, with jitter and
//! optional Wi-Fi-like stalls: netem is not available on these machines, so this stands in for
//! it in the clock-sync tests.
//!
//! Each chunk read from one side is written to the other at
//! `max(previous chunk's release, arrival + delay ± jitter)`, later still if that falls in a
//! stall, so the byte stream keeps its order (as TCP does) and a chunk never overtakes the one
//! before it. The jitter is uniform over `delay ± jitter`, as netem's is. Stalls belong to the
//! link, so both directions of one connection stall together, as a Wi-Fi station does when it
//! goes off the air; a chunk due during a stall is released when it ends.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until};

/// How one link behaves, the same both ways.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// The mean one-way delay.
    pub delay: Duration,
    /// Each chunk's delay is uniform over `delay ± jitter`.
    pub jitter: Duration,
    /// Stalls, if any.
    pub stalls: Option<Stalls>,
}

/// Moments when a link carries nothing.
#[derive(Debug, Clone, Copy)]
pub struct Stalls {
    /// The mean time between the end of one stall and the start of the next (uniform over
    /// half to one and a half of it).
    pub every: Duration,
    /// The longest stall (each is uniform over a third of it to all of it).
    pub longest: Duration,
}

/// A small, seeded random number generator (splitmix64): enough for delays.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform over `lo..=hi` microseconds.
    fn micros(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_micros(lo + self.next() % (hi - lo + 1))
    }
}

/// The shared state of one connection's two directions.
#[derive(Debug)]
struct Link {
    profile: Profile,
    rng: Rng,
    /// Stall windows laid out so far, in order, from the link's start.
    stalls: Vec<(Instant, Instant)>,
    origin: Instant,
}

impl Link {
    /// When a chunk arriving at `arrival` may leave, before the order rule.
    fn release(&mut self, arrival: Instant) -> Instant {
        let (delay, jitter) = (
            self.profile.delay.as_micros() as u64,
            self.profile.jitter.as_micros() as u64,
        );
        let mut at = arrival
            + self
                .rng
                .micros(delay.saturating_sub(jitter), delay + jitter);
        let Some(stalls) = self.profile.stalls else {
            return at;
        };
        let every = stalls.every.as_micros() as u64;
        let longest = stalls.longest.as_micros() as u64;
        while self.stalls.last().is_none_or(|&(start, _)| start <= at) {
            let from = self.stalls.last().map_or(self.origin, |&(_, end)| end);
            let start = from + self.rng.micros(every / 2, every * 3 / 2);
            let end = start + self.rng.micros(longest / 3, longest);
            self.stalls.push((start, end));
        }
        if let Some(&(_, end)) = self
            .stalls
            .iter()
            .find(|&&(start, end)| start <= at && at < end)
        {
            at = end;
        }
        at
    }
}

/// A running proxy to one target; every connection through it gets its own link, seeded from
/// the proxy's seed.
pub struct JitterProxy {
    pub addr: SocketAddr,
    accept: JoinHandle<()>,
}

impl JitterProxy {
    pub async fn start(target: SocketAddr, profile: Profile, seed: u64) -> JitterProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = tokio::spawn(async move {
            let mut n = 0u64;
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = TcpStream::connect(target).await else {
                    continue;
                };
                n += 1;
                let link = Arc::new(Mutex::new(Link {
                    profile,
                    rng: Rng(seed.wrapping_mul(1_000_003).wrapping_add(n)),
                    stalls: Vec::new(),
                    origin: Instant::now(),
                }));
                for stream in [&inbound, &outbound] {
                    let _ = stream.set_nodelay(true);
                }
                let (in_read, in_write) = inbound.into_split();
                let (out_read, out_write) = outbound.into_split();
                pipe(in_read, out_write, link.clone());
                pipe(out_read, in_write, link);
            }
        });
        JitterProxy { addr, accept }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }
}

impl Drop for JitterProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Carries one direction: a reader stamps each chunk's release, a writer waits for it.
fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, link: Arc<Mutex<Link>>) {
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(1024);
    tokio::spawn(async move {
        let mut last = Instant::now();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let due = link.lock().unwrap().release(Instant::now());
            last = last.max(due);
            if tx.send((last, buf[..n].to_vec())).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while let Some((due, bytes)) = rx.recv().await {
            sleep_until(due).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
}
