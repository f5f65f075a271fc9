//! Hosts a short break: creates a room over REST, waits for participants, starts the program,
//! prints cues and the scoreboard as they come, then the summary.
//!
//! ```text
//! cargo run -p breakroom-client --example facilitator -- \
//!     [--server http://127.0.0.1:7878] [--token TOKEN] [--name Ada] [--wait-for N]
//! ```
//!
//! The token comes from `--token`, else `$BREAKROOM_TOKEN`, else the server's dev endpoint.
//! Without `--wait-for`, press Enter to start.

mod common;

use std::collections::BTreeMap;

use anyhow::Context;
use breakroom_client::{
    Client, CueKind, Event, JoinOptions, Participant, ParticipantId, PresenceChange, Role,
    Scoreboard, websocket_url,
};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use common::Args;

const USAGE: &str =
    "usage: facilitator [--server URL] [--token TOKEN] [--name NAME] [--wait-for N]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    if args.help() {
        println!("{USAGE}");
        return Ok(());
    }
    let server = args.server();
    let name = args.get("name").unwrap_or("Ada").to_owned();
    let wait_for: Option<usize> = args
        .get("wait-for")
        .map(str::parse)
        .transpose()
        .context(USAGE)?;
    let http = reqwest::Client::new();

    // 1. A token and a room with a short program.
    let token = common::token(&args, &http, &name, "facilitator", None).await?;
    let program = json!({
        "program": {
            "name": "Quick break",
            "steps": [
                { "exercise": "squats", "duration_ms": 20_000, "rest_ms": 5_000, "bpm": 60 },
                { "exercise": "arm_raises", "duration_ms": 20_000, "rest_ms": 0 },
            ],
        },
        "capacity": 20,
    });
    let room = common::post(&http, &format!("{server}/v1/rooms"), Some(&token), &program).await?;
    let code = room["code"]
        .as_str()
        .context("no room code in the reply")?
        .to_owned();
    let session = room["session"].as_str().unwrap_or_default().to_owned();
    println!(
        "room {code}  join link: {}",
        room["join_url"].as_str().unwrap_or("-")
    );
    println!(
        "simulate a participant: cargo run -p breakroom-client --example participant -- {code} --server {server}"
    );

    // 2. Join it as its facilitator.
    let mut client = Client::connect(&websocket_url(&server)?, &token).await?;
    let snapshot = client.join(&code, JoinOptions::facilitator()).await?;
    let mut members: BTreeMap<ParticipantId, Participant> = snapshot
        .participants
        .into_iter()
        .map(|p| (p.id, p))
        .collect();

    // 3. Wait for participants, or for Enter.
    match wait_for {
        Some(n) => println!("waiting for {n} participant(s)…"),
        None => println!("press Enter to start…"),
    }
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let participants = members
            .values()
            .filter(|p| p.role == Role::Participant)
            .count();
        if wait_for.is_some_and(|n| participants >= n) {
            break;
        }
        tokio::select! {
            line = stdin.next_line(), if wait_for.is_none() => {
                line?;
                break;
            }
            event = client.next_event() => match event {
                Some(Event::Presence { change, participant }) => {
                    println!("{:?}: {} ({:?})", change, participant.name, participant.role);
                    if change == PresenceChange::Left {
                        members.remove(&participant.id);
                    } else {
                        members.insert(participant.id, participant);
                    }
                }
                Some(Event::Closed { code, reason }) => anyhow::bail!("closed {code}: {reason}"),
                None => anyhow::bail!("connection ended"),
                Some(_) => {}
            },
        }
    }

    // 4. Start, and narrate until the summary.
    client.start().await?;
    println!("started");
    while let Some(event) = client.next_event().await {
        match event {
            Event::Cue(cue) => {
                let at = client.local_instant(cue.at);
                let wait = at.saturating_duration_since(tokio::time::Instant::now());
                let what = match cue.kind {
                    CueKind::Countdown | CueKind::Beat => {
                        format!("{:?} {}", cue.kind, cue.n.unwrap_or(0))
                    }
                    _ => format!("{:?} {}", cue.kind, cue.exercise.as_deref().unwrap_or("")),
                };
                println!("cue  {what:<24} in {} ms", wait.as_millis());
            }
            Event::Phase { phase, .. } => {
                println!(
                    "phase {:?} step {:?}{}",
                    phase.phase,
                    phase.step,
                    if phase.paused { " (paused)" } else { "" }
                );
            }
            Event::Scoreboard(board) => print_scoreboard(&board, &members),
            Event::Presence {
                change,
                participant,
            } => {
                println!("{:?}: {}", change, participant.name);
                members.insert(participant.id, participant);
            }
            Event::Flag(flag) => println!(
                "flagged {:?}: {:?} claimed {} accepted {}",
                flag.p, flag.reason, flag.claimed, flag.accepted
            ),
            Event::Reaction { p, reaction } => {
                println!("{} reacts {reaction:?}", name_of(&members, p))
            }
            Event::Error { code, message, .. } => println!("error {code:?}: {message}"),
            Event::Reconnecting { attempt } => println!("reconnecting (attempt {attempt})…"),
            Event::Resumed | Event::Rejoined => println!("back online"),
            Event::Summary(summary) => {
                println!("summary of {} ({:?}):", summary.program, summary.end);
                for p in &summary.participants {
                    let reps: u32 = p.results.iter().map(|r| r.reps).sum();
                    let points: u32 = p.results.iter().map(|r| r.points).sum();
                    println!("  {:<20} {reps:>4} reps {points:>6} points", p.name);
                }
                break;
            }
            Event::Closed { code, reason } => anyhow::bail!("closed {code}: {reason}"),
            _ => {}
        }
    }

    // 5. The stored summary, over REST.
    if !session.is_empty() {
        match common::get(
            &http,
            &format!("{server}/v1/sessions/{session}"),
            Some(&token),
        )
        .await
        {
            Ok(summary) => println!("{}", serde_json::to_string_pretty(&summary)?),
            Err(err) => eprintln!("could not fetch the stored summary: {err:#}"),
        }
    }
    client.close().await?;
    Ok(())
}

fn name_of(members: &BTreeMap<ParticipantId, Participant>, p: ParticipantId) -> String {
    members
        .get(&p)
        .map_or_else(|| format!("#{}", p.0), |m| m.name.clone())
}

fn print_scoreboard(board: &Scoreboard, members: &BTreeMap<ParticipantId, Participant>) {
    let line: Vec<String> = board
        .ranking
        .iter()
        .map(|e| format!("{} {}pts/{}reps", name_of(members, e.p), e.points, e.reps))
        .collect();
    println!("score total {}: {}", board.total, line.join(", "));
}
