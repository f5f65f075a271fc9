//! `breakroom-load`: `smoke` (CI), `step` (step load against one target), `compare` (every
//! target, writes REPORT.md and plot.svg). See `load-tests/README.md`.

use std::path::PathBuf;
use std::time::Duration;

use breakroom_load::movement::Movement;
use breakroom_load::report::{self, TargetReport};
use breakroom_load::run::{idle_rss, median_of, passes, run_step};
use breakroom_load::stats::StepResult;
use breakroom_load::target::{Endpoint, Target};
use breakroom_load::workload::{Phases, Workload};
use clap::{Parser, Subcommand};

/// Command-line interface.
#[derive(Debug, Parser)]
#[command(
    name = "breakroom-load",
    about = "Open-loop load generator for breakroom"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A few seconds, 3 rooms × 4 participants, in-process breakroom: fails on any loss or late cue.
    Smoke,
    /// Step load against each target, then REPORT.md and plot.svg.
    Compare {
        /// Targets to run.
        #[arg(long, value_delimiter = ',', default_value = "breakroom,reference")]
        targets: Vec<Target>,
        /// Room counts to step through (stops at the first failing step).
        #[arg(long, value_delimiter = ',', default_value = "1,2,4,6,8,10")]
        rooms: Vec<usize>,
        /// Participants per room (plus one facilitator).
        #[arg(long, default_value_t = 12)]
        participants: usize,
        /// Skeletons per second per participant.
        #[arg(long, default_value_t = 15)]
        hz: u32,
        /// Measurement window per step, seconds.
        #[arg(long, default_value_t = 5)]
        window_s: u64,
        /// Runs per step, each on a fresh server: a step reports its median run and passes
        /// when most of its runs pass.
        #[arg(long, default_value_t = 3)]
        repeats: u32,
        /// The servers' relay tick, Hz (breakroom's default is 30; at 15 Hz a skeleton waits up
        /// to 66.7 ms for the room's next frame, so no 15 Hz relay has p99 under ~67 ms).
        #[arg(long, default_value_t = 30)]
        tick_hz: u32,
        /// Pass criterion: p99 end-to-end latency at most this, ms (the 50 ms).
        #[arg(long, default_value_t = 50)]
        max_p99_ms: u64,
        /// Idle connections for the memory measurement.
        #[arg(long, default_value_t = 500)]
        idle: usize,
        /// Run the stall scenario (10 s) for breakroom.
        #[arg(long)]
        stall: bool,
        /// Where the server binaries are (default: beside this one).
        #[arg(long)]
        bin_dir: Option<PathBuf>,
        /// Pin servers to this core with taskset.
        #[arg(long, default_value_t = 0)]
        server_core: usize,
        /// Steps from the colyseus driver, JSON lines of StepResult.
        #[arg(long)]
        colyseus_json: Option<PathBuf>,
        /// Output folder for REPORT.md, plot.svg and results.json.
        #[arg(long, default_value = "load-tests")]
        out: PathBuf,
        /// Output folders of other workloads' runs (their results.json), summarised in this
        /// report with links to theirs.
        #[arg(long, value_delimiter = ',')]
        variants: Vec<PathBuf>,
        /// A room's participants all send at the same phase of the period (as people who
        /// start together do), instead of spread over it.
        #[arg(long)]
        in_phase: bool,
        /// A sentence added to the report's opening paragraph (how this run differs, what
        /// else ran on the machine).
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        movement: MovementArgs,
    },
    /// Interleaved same-load rounds: at each Colyseus peer's capacity, as a finished `compare`
    /// run found it (its results.json), the peer, breakroom and the reference run one run each,
    /// back to back on fresh servers, `--rounds` times in an order that rotates; the rounds go
    /// into that results.json and the report is written again. About 25 s a round.
    Paired {
        /// The `compare` run's output folder.
        #[arg(long, default_value = "load-tests")]
        out: PathBuf,
        /// Rounds per peer.
        #[arg(long, default_value_t = 7)]
        rounds: usize,
        /// Measurement window per run, seconds.
        #[arg(long, default_value_t = 5)]
        window_s: u64,
        /// The servers' relay tick, Hz (as the `compare` run had it).
        #[arg(long, default_value_t = 30)]
        tick_hz: u32,
        /// Pass criterion: p99 end-to-end latency at most this, ms.
        #[arg(long, default_value_t = 50)]
        max_p99_ms: u64,
        /// The Colyseus peer's folder (its `step.mjs`, and Node 22 in its `node_modules`).
        #[arg(long, default_value = "load-tests/colyseus")]
        colyseus_dir: PathBuf,
        /// Where the server binaries are (default: beside this one).
        #[arg(long)]
        bin_dir: Option<PathBuf>,
        /// Pin servers to this core with taskset.
        #[arg(long, default_value_t = 0)]
        server_core: usize,
        /// Other workloads' output folders, for the report, as for `compare`.
        #[arg(long, value_delimiter = ',')]
        variants: Vec<PathBuf>,
        #[command(flatten)]
        movement: MovementArgs,
    },
    /// Writes REPORT.md and plot.svg again from a run's results.json (after a change to the
    /// report, or to a variant's folder), without measuring anything.
    Report {
        /// The run's output folder.
        #[arg(long, default_value = "load-tests")]
        out: PathBuf,
        /// Other workloads' output folders, as for `compare`.
        #[arg(long, value_delimiter = ',')]
        variants: Vec<PathBuf>,
    },
}

/// What the participants replay.
#[derive(Debug, clap::Args)]
struct MovementArgs {
    /// A BlazePose-33 recording to replay, `[frames][33][x, y, z]` JSON in pixels (e.g.
    /// `../shared/data/pose/tfjs-models/pose_squats.full.json`); also `BREAKROOM_LOAD_RECORDING`.
    /// Without one, participants replay a synthesized squat.
    #[arg(long)]
    recording: Option<PathBuf>,
    /// The recording's image size and frame rate, `WIDTHxHEIGHT@FPS` (default `720x1280@5`,
    /// that of `tfjs-models/pose_squats.full.json`); also `BREAKROOM_LOAD_RECORDING_GEOMETRY`.
    #[arg(long)]
    recording_geometry: Option<String>,
}

impl MovementArgs {
    fn load(self) -> anyhow::Result<std::sync::Arc<Movement>> {
        Ok(std::sync::Arc::new(Movement::from_args(
            self.recording,
            self.recording_geometry,
        )?))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Smoke => smoke().await,
        Command::Report { out, variants } => write_report(&out, &read_results(&out)?, &variants),
        Command::Paired {
            out,
            rounds,
            window_s,
            tick_hz,
            max_p99_ms,
            colyseus_dir,
            bin_dir,
            server_core,
            variants,
            movement,
        } => {
            let mut results = read_results(&out)?;
            let plan = PairedPlan {
                movement: movement.load()?,
                phases: if results.in_phase {
                    Phases::InPhase
                } else {
                    Phases::Spread
                },
                bin_dir: bin_dir_or_here(bin_dir)?,
                colyseus_dir,
                server_core,
                tick_hz,
                max_p99_ms,
                window_s,
            };
            results.paired = paired(&results.targets, rounds.max(1), &plan).await?;
            write_report(&out, &results, &variants)
        }
        Command::Compare {
            targets,
            rooms,
            participants,
            hz,
            window_s,
            repeats,
            tick_hz,
            max_p99_ms,
            idle,
            stall,
            bin_dir,
            server_core,
            colyseus_json,
            out,
            variants,
            in_phase,
            note,
            movement,
        } => {
            let bin_dir = bin_dir_or_here(bin_dir)?;
            let movement = movement.load()?;
            let phases = if in_phase {
                Phases::InPhase
            } else {
                Phases::Spread
            };
            let mut reports = Vec::new();
            let mut peers_read = false;
            for target in targets {
                if target.is_peer() {
                    // The Colyseus driver's JSON holds every peer it ran: read it once.
                    if std::mem::replace(&mut peers_read, true) {
                        continue;
                    }
                    if let Some(path) = &colyseus_json {
                        reports.extend(from_json(path, max_p99_ms)?);
                    } else {
                        eprintln!("colyseus: no --colyseus-json given, skipped");
                    }
                    continue;
                }
                let base = Workload {
                    rooms: 1,
                    participants,
                    hz,
                    warmup: Duration::from_secs(1),
                    window: Duration::from_secs(window_s),
                    stall: None,
                    phases,
                    movement: movement.clone(),
                };
                reports.push(
                    step_load(
                        target,
                        &bin_dir,
                        server_core,
                        &rooms,
                        &base,
                        max_p99_ms,
                        idle,
                        stall,
                        tick_hz,
                        repeats.max(1),
                    )
                    .await?,
                );
            }
            let header = format!(
                "Generated by `breakroom-load compare` ({} participants + 1 facilitator per room, each sending {} at {hz} Hz{}; every server relays on a {tick_hz} Hz tick, frames carrying the skeletons new since the last tick; {window_s} s window per step after 1 s warmup; each step run {repeats} times on a fresh server, reporting its median run and passing when most runs have p99 ≤ {max_p99_ms} ms and delivery ≥ 99.9 %). Servers pinned to core {server_core}, generator on the other core. Loopback, 2-core machine.",
                participants,
                movement.describe(),
                if in_phase {
                    ", a room's participants all at the same phase of the period"
                } else {
                    ""
                }
            );
            let header = match note {
                Some(note) => format!("{header} {note}"),
                None => header,
            };
            let results = report::Results {
                header,
                targets: reports,
                paired: Vec::new(),
                in_phase,
            };
            write_report(&out, &results, &variants)
        }
    }
}

/// `dir`, or the folder this binary is in.
fn bin_dir_or_here(dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match dir {
        Some(d) => Ok(d),
        None => std::env::current_exe()?
            .parent()
            .map(PathBuf::from)
            .ok_or_else(|| anyhow::anyhow!("no bin dir")),
    }
}

/// How `paired` runs each target.
struct PairedPlan {
    movement: std::sync::Arc<Movement>,
    phases: Phases,
    bin_dir: PathBuf,
    colyseus_dir: PathBuf,
    server_core: usize,
    tick_hz: u32,
    max_p99_ms: u64,
    window_s: u64,
}

/// The interleaved rounds against every peer that passed a step, at its capacity.
async fn paired(
    targets: &[TargetReport],
    rounds: usize,
    plan: &PairedPlan,
) -> anyhow::Result<Vec<report::Paired>> {
    let Some(first) = targets
        .iter()
        .find(|t| t.target == Target::Breakroom)
        .and_then(|t| t.steps.first())
    else {
        anyhow::bail!("the run has no breakroom step to take the workload from");
    };
    let base = Workload {
        rooms: 1,
        participants: first.participants,
        hz: first.hz,
        warmup: Duration::from_secs(1),
        window: Duration::from_secs(plan.window_s),
        stall: None,
        phases: plan.phases,
        movement: plan.movement.clone(),
    };
    let mut all = Vec::new();
    for peer in targets.iter().filter(|t| t.target.is_peer()) {
        let Some(rooms) = peer.capacity.map(|i| peer.steps[i].rooms) else {
            eprintln!("{}: passed no step, so no load to compare at", peer.target);
            continue;
        };
        let w = Workload {
            rooms,
            ..base.clone()
        };
        let mut done = Vec::new();
        for round in 0..rounds {
            let mut order = vec![peer.target, Target::Breakroom, Target::Reference];
            order.rotate_left(round % 3);
            let (mut p, mut b, mut r) = (None, None, None);
            for &target in &order {
                match target {
                    Target::Breakroom => b = Some(one_run(target, &w, plan).await?),
                    Target::Reference => r = Some(one_run(target, &w, plan).await?),
                    _ => p = Some(peer_run(target, &w, plan).await?),
                }
            }
            let (Some(p), Some(b), Some(r)) = (p, b, r) else {
                anyhow::bail!("round {} did not run all three targets", round + 1);
            };
            let cpu = |s: &StepResult| s.cpu_us_per_1000;
            eprintln!(
                "paired {} at {rooms} rooms, round {}: {} {:.0}, breakroom {:.0}, reference {:.0} µs/1000: {:.2}×",
                peer.target,
                round + 1,
                peer.target,
                cpu(&p),
                cpu(&b),
                cpu(&r),
                cpu(&p) / cpu(&b)
            );
            let max_us = plan.max_p99_ms * 1000;
            done.push(report::PairedRound {
                order,
                peer: cpu(&p),
                breakroom: cpu(&b),
                reference: Some(cpu(&r)),
                peer_passed: passes(&p, max_us),
                breakroom_passed: passes(&b, max_us),
            });
        }
        all.push(report::Paired {
            peer: peer.target,
            rooms,
            rounds: done,
        });
    }
    Ok(all)
}

/// One run of `w` against breakroom or the reference, on a fresh server.
async fn one_run(target: Target, w: &Workload, plan: &PairedPlan) -> anyhow::Result<StepResult> {
    let mut ep =
        Endpoint::spawn(target, &plan.bin_dir, Some(plan.server_core), plan.tick_hz).await?;
    let step = run_step(&mut ep, w, None).await;
    ep.stop().await;
    Ok(step?.result)
}

/// One run of `w` against a Colyseus peer, through its own step runner (which pins its
/// server to core 0 and its driver to core 1).
async fn peer_run(peer: Target, w: &Workload, plan: &PairedPlan) -> anyhow::Result<StepResult> {
    let variant = peer
        .colyseus_room()
        .ok_or_else(|| anyhow::anyhow!("{peer} is not a Colyseus peer"))?;
    let node = plan.colyseus_dir.join("node_modules/.bin/node");
    let output = tokio::process::Command::new(&node)
        .arg(plan.colyseus_dir.join("step.mjs"))
        .args(["--target", variant])
        .args(["--participants", &w.participants.to_string()])
        .args(["--hz", &w.hz.to_string()])
        .args(["--tick-hz", &plan.tick_hz.to_string()])
        .args(["--seconds", &w.window.as_secs().to_string()])
        .args(["--rooms", &w.rooms.to_string()])
        .args(["--repeats", "1"])
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: {e} (npm install in the Colyseus folder first)",
                node.display()
            )
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    from_json_text(&text, plan.max_p99_ms)?
        .into_iter()
        .flat_map(|t| t.steps)
        .find(|s| s.rooms == w.rooms)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{peer}: its step runner measured no run at {} rooms",
                w.rooms
            )
        })
}

#[allow(clippy::too_many_arguments)]
async fn step_load(
    target: Target,
    bin_dir: &std::path::Path,
    core: usize,
    rooms: &[usize],
    base: &Workload,
    max_p99_ms: u64,
    idle: usize,
    stall: bool,
    tick_hz: u32,
    repeats: u32,
) -> anyhow::Result<TargetReport> {
    let ep = Endpoint::spawn(target, bin_dir, Some(core), tick_hz).await?;
    let (before, with) = idle_rss(&ep, idle).await?;
    ep.stop().await;
    let idle_per_conn = (with as f64 - before as f64) / idle as f64;
    eprintln!(
        "{}: idle RSS {before} → {with} with {idle} connections",
        target.name()
    );
    // Every run on a fresh server: the rooms of the run before would otherwise still run
    // their programs, end their sessions and persist their summaries during this one.
    let fresh_run = |w: Workload| async move {
        let mut ep = Endpoint::spawn(target, bin_dir, Some(core), tick_hz).await?;
        let step = run_step(&mut ep, &w, Some(before)).await;
        ep.stop().await;
        step
    };
    let mut steps = Vec::new();
    let mut capacity = None;
    for &n in rooms {
        let w = Workload {
            rooms: n,
            ..base.clone()
        };
        let mut runs = Vec::new();
        for _ in 0..repeats {
            let r = fresh_run(w.clone()).await?.result;
            eprintln!(
                "{}: {n} rooms: delivered {:.0}/s ({:.3} %), p50 {} p99 {} p99.9 {} max {} µs, fan-out p99 {} µs, cpu {:.0} µs/1000, failures {}",
                target.name(),
                r.delivered_per_s,
                r.delivery_pct(),
                r.latency_us.p50,
                r.latency_us.p99,
                r.latency_us.p999,
                r.latency_us.max,
                r.relay_latency_us.p99,
                r.cpu_us_per_1000,
                r.failures
            );
            runs.push(r);
        }
        let Some(mut r) = median_of(runs, max_p99_ms * 1000) else {
            break;
        };
        let ok = passes(&r, max_p99_ms * 1000);
        r.rss_idle_per_conn_bytes = idle_per_conn;
        steps.push(r);
        if !ok {
            break;
        }
        capacity = Some(steps.len() - 1);
    }
    let mut stall_result = None;
    if stall && target == Target::Breakroom {
        let n = capacity.map_or(1, |i| steps[i].rooms).min(2);
        let w = Workload {
            rooms: n,
            window: Duration::from_secs(12),
            ..base.clone()
        };
        let without = fresh_run(w.clone()).await?;
        let with_stall = fresh_run(Workload {
            stall: Some(Duration::from_secs(10)),
            ..w
        })
        .await?;
        eprintln!(
            "stall: p99 {} → {} µs",
            without.result.latency_us.p99, with_stall.result.latency_us.p99
        );
        stall_result = Some((
            without.result.latency_us.p99,
            with_stall.result.latency_us.p99,
            without.rss_max.unwrap_or(0),
            with_stall.rss_max.unwrap_or(0),
        ));
    }
    Ok(TargetReport {
        target,
        steps,
        capacity,
        idle_per_conn,
        stall: stall_result,
    })
}

/// A finished `compare` run's `results.json` in `out`.
fn read_results(out: &std::path::Path) -> anyhow::Result<report::Results> {
    let path = out.join("results.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: {e} (run `compare` first)", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// Writes `results.json`, `REPORT.md` (with the other workloads' rows) and `plot.svg` in `out`.
fn write_report(
    out: &std::path::Path,
    results: &report::Results,
    variants: &[PathBuf],
) -> anyhow::Result<()> {
    let others = variants
        .iter()
        .map(|dir| read_variant(dir, out))
        .collect::<anyhow::Result<Vec<_>>>()?;
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(results)?,
    )?;
    std::fs::write(
        out.join("REPORT.md"),
        report::markdown(&results.header, &results.targets, &results.paired, &others),
    )?;
    std::fs::write(out.join("plot.svg"), report::svg(&results.targets))?;
    println!("wrote {}", out.join("REPORT.md").display());
    Ok(())
}

/// Reads another workload's `results.json`, linked relative to the main report's folder.
fn read_variant(dir: &std::path::Path, out: &std::path::Path) -> anyhow::Result<report::Variant> {
    let path = dir.join("results.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: {e} (run that workload first)", path.display()))?;
    let results: report::Results = serde_json::from_str(&text)?;
    let link = dir.strip_prefix(out).unwrap_or(dir).display().to_string();
    Ok(report::Variant {
        link,
        targets: results.targets,
        paired: results.paired,
        in_phase: results.in_phase,
    })
}

/// Reads the Colyseus driver's JSON lines: one report per variant (`colyseus-state`,
/// `colyseus-broadcast`), steps in the order given.
fn from_json(path: &std::path::Path, max_p99_ms: u64) -> anyhow::Result<Vec<TargetReport>> {
    from_json_text(&std::fs::read_to_string(path)?, max_p99_ms)
}

/// [`from_json`] of the lines themselves.
fn from_json_text(text: &str, max_p99_ms: u64) -> anyhow::Result<Vec<TargetReport>> {
    let mut steps: Vec<StepResult> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut v: serde_json::Value = serde_json::from_str(line)?;
        // Summary lines (capacity) are not steps.
        if v.get("latency_us").is_none() {
            continue;
        }
        // The same delivery rule as ours: a skeleton superseded by a later one from the same
        // sender before a tick counts as delivered when that later one arrives.
        let superseded = v["conflated_fraction"].as_f64().unwrap_or(0.0);
        let expected = v["expected_per_s"].as_f64().unwrap_or(0.0);
        if let Some(d) = v["delivered_per_s"].as_f64() {
            v["delivered_per_s"] = serde_json::json!((d + superseded * expected).min(expected));
        }
        steps.push(serde_json::from_value(v)?);
    }
    let mut variants: Vec<Target> = Vec::new();
    for s in &steps {
        if !variants.contains(&s.target) {
            variants.push(s.target);
        }
    }
    Ok(variants
        .into_iter()
        .map(|target| {
            let mut steps: Vec<StepResult> = steps
                .iter()
                .filter(|s| s.target == target)
                .cloned()
                .collect();
            steps.sort_by_key(|s| s.rooms);
            let capacity = steps.iter().rposition(|s| passes(s, max_p99_ms * 1000));
            let idle_per_conn = steps.first().map_or(0.0, |s| s.rss_idle_per_conn_bytes);
            TargetReport {
                target,
                steps,
                capacity,
                idle_per_conn,
                stall: None,
            }
        })
        .collect())
}

async fn smoke() -> anyhow::Result<()> {
    let problems = breakroom_load::smoke().await?;
    if problems.is_empty() {
        println!("smoke: ok");
        return Ok(());
    }
    for p in &problems {
        eprintln!("smoke: {p}");
    }
    anyhow::bail!("smoke: {} problems", problems.len())
}
