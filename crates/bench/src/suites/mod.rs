//! The measurements, in the order they run: the floor, the process executor
//! (start-up, cold, warm, throughput), the control plane with 1,000 stored
//! functions (and start-up with them), a Kinesis stream mapping, DynamoDB,
//! issue 19's rows (bursts, `Event` invokes, the SQS mapping,
//! pre-initialized cold starts), the Docker executor, the floor again.

mod bench;
mod containers;
mod control;
mod dynamodb;
mod extension;
mod machine;
mod pools;
mod process;
mod soak;
mod streams;

use crate::fixtures::Noise;
use crate::http;
use crate::laminar::sibling_binary;
use crate::report::{self, Figure, Machine};
use crate::stats::{summarize, summarize_higher_is_better};
use crate::{Args, Counts, ExecutorArg, Result};
use bench::*;
use bytes::Bytes;
use machine::*;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// A temporary folder the functions of the process executor can write to:
/// they have a /tmp of their own, so it is made outside /tmp.
fn shared_with_functions() -> Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new()
        .prefix("laminar-bench-")
        .tempdir_in("/var/tmp")?)
}

pub async fn run(args: Args) -> Result<()> {
    if args.wait_idle > 0 {
        progress(&format!(
            "waiting up to {} s for an idle CPU",
            args.wait_idle
        ));
        wait_until_idle(Duration::from_secs(args.wait_idle)).await;
    }
    let wall = Instant::now();
    let started_utc = report::utc_now();
    let counts = Counts::of(&args);
    let mut machine = Machine::probe();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let mut bench = Bench {
        laminar_bin: sibling_binary(args.laminar.as_deref(), "laminar")?,
        bootstrap_bin: sibling_binary(args.bootstrap.as_deref(), "bootstrap")?,
        counts,
        no_build_images: args.no_build_images,
        payload: Bytes::from_static(br#"{"bench":1}"#),
        noise: Noise::new(seed),
        figures: Vec::new(),
        notes: Vec::new(),
        details: Map::new(),
    };
    progress(&format!(
        "{} on {} cores, load {}; laminar {}",
        machine.cpu_model,
        machine.cores,
        machine.loadavg_at_start,
        bench.laminar_bin.display()
    ));

    let backend = http::start_backend()?;
    let forwarder = http::start_forwarder(backend.addr)?;
    progress("floor: loopback round trips (one hop, two hops)");
    let mut floor_1hop = bench.floor_latency(backend.addr).await?;
    let mut floor_2hop = bench.floor_latency(forwarder.addr).await?;
    let floor_start = (summarize(&floor_1hop).p50, summarize(&floor_2hop).p50);

    let mut foreign = Map::new();
    let cores = machine.cores;
    let only_some =
        args.pools_only || args.durable_only || args.soak_minutes.is_some() || args.docker_only;
    if matches!(args.executor, ExecutorArg::Process | ExecutorArg::Both) && !only_some {
        let mark = CpuMark::now();
        bench.process_suite().await?;
        foreign.insert("process".into(), json!(mark.foreign_share(cores)));
    }
    if !only_some {
        let mark = CpuMark::now();
        bench.control_suite().await?;
        foreign.insert("control".into(), json!(mark.foreign_share(cores)));
        let mark = CpuMark::now();
        bench.streams_suite().await?;
        foreign.insert("streams".into(), json!(mark.foreign_share(cores)));
        let mark = CpuMark::now();
        bench.dynamodb_suite().await?;
        foreign.insert("dynamodb".into(), json!(mark.foreign_share(cores)));
    }
    if let Some(minutes) = args.soak_minutes {
        bench.soak_suite(minutes).await?;
    }
    let mark = CpuMark::now();
    let docker_too = matches!(args.executor, ExecutorArg::Docker | ExecutorArg::Both);
    let process = matches!(args.executor, ExecutorArg::Process | ExecutorArg::Both);
    if args.durable_only {
        bench.durable_rows().await?;
    } else if args.soak_minutes.is_none() && !args.docker_only {
        bench.pools_suite(process, docker_too).await?;
    }
    foreign.insert("pools".into(), json!(mark.foreign_share(cores)));
    if docker_too && (!only_some || args.docker_only) {
        let mark = CpuMark::now();
        bench.docker_suite(&mut machine).await?;
        foreign.insert(
            "docker (includes the engine and containers)".into(),
            json!(mark.foreign_share(cores)),
        );
    }
    for (suite, share) in &foreign {
        let share = share.as_f64().unwrap_or(0.0);
        if share > 0.05 && !suite.starts_with("docker") {
            bench.notes.push(format!(
                "other processes used {:.0}% of the CPU during the {suite} suite: its figures are pessimistic",
                share * 100.0
            ));
        }
    }
    bench
        .details
        .insert("foreign_cpu_share_by_suite".into(), Value::Object(foreign));

    progress("floor again, and its throughput at concurrency 64 (two hops)");
    floor_1hop.extend(bench.floor_latency(backend.addr).await?);
    floor_2hop.extend(bench.floor_latency(forwarder.addr).await?);
    let floor_end = (summarize(&floor_1hop).p50, summarize(&floor_2hop).p50);
    let floor_rounds = bench
        .load(forwarder.addr, "/floor", 64, bench.counts.throughput_rounds)
        .await?;
    drop(forwarder);
    drop(backend);
    bench.details.insert(
        "floor_medians_ms".into(),
        json!({ "at_start": { "one_hop": floor_start.0, "two_hop": floor_start.1 },
                "combined": { "one_hop": floor_end.0, "two_hop": floor_end.1 } }),
    );

    let f1 = summarize(&floor_1hop);
    let f2 = summarize(&floor_2hop);
    let ftp = summarize_higher_is_better(&floor_rounds.per_round);
    let floors = vec![
        Figure::new("floor.one_hop", "floor: loopback HTTP round trip, one hop", "ms", f1.clone())
            .note("hyper client → hyper server on another thread, keep-alive, start and end of the run combined"),
        Figure::new("floor.two_hop", "floor: loopback HTTP round trip, two hops", "ms", f2.clone())
            .note("client → forwarding server → server and back: the shape of a warm invoke"),
        Figure::new(
            "floor.throughput_c64",
            "floor: two-hop throughput, concurrency 64",
            "invokes/s",
            ftp.clone(),
        )
        .note("p99 column: the slowest 1% of rounds"),
    ];
    bench.figures.splice(0..0, floors);
    for figure in &mut bench.figures {
        figure.judge(f1.p50, f2.p50, ftp.p50);
    }
    machine.loadavg_at_end = report::loadavg();
    machine.cpu_pressure_at_end = report::cpu_pressure();

    let table = report::table(&bench.figures);
    println!("\n{table}");
    for note in &bench.notes {
        println!("- {note}");
    }
    let missed: Vec<&str> = bench
        .figures
        .iter()
        .filter(|f| f.verdict.as_deref().is_some_and(|v| v.contains("MISSED")))
        .map(|f| f.label.as_str())
        .collect();
    println!(
        "\n{} targets checked, {} missed; wall time {:.0} s",
        bench.figures.iter().filter(|f| f.target.is_some()).count(),
        missed.len(),
        wall.elapsed().as_secs_f64()
    );
    if let Some(out) = &args.out {
        let document = json!({
            "tool": "laminar-bench",
            "version": env!("CARGO_PKG_VERSION"),
            "started_utc": started_utc,
            "finished_utc": report::utc_now(),
            "wall_seconds": wall.elapsed().as_secs_f64(),
            "command": std::env::args().collect::<Vec<_>>(),
            "executor": args.executor,
            "quick": args.quick,
            "machine": machine,
            "laminar_source": source_state(&bench.laminar_bin),
            "counts": bench.counts,
            "units": { "ms": "milliseconds, client to client unless the label says otherwise",
                       "MiB": "VmRSS of the laminar process from /proc/<pid>/status",
                       "invokes/s": "completed RequestResponse invokes per second per round; p99 holds the 1st percentile of rounds",
                       "records/s": "Kinesis records a mapping delivered to the function per second, per run" },
            "figures": bench.figures,
            "notes": bench.notes,
            "details": bench.details,
        });
        std::fs::write(out, serde_json::to_vec_pretty(&document)?)?;
        progress(&format!("wrote {}", out.display()));
    }
    Ok(())
}
