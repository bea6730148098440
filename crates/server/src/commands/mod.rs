//! `laminar ps | invocations | logs | evict`: clients of a running laminar's
//! introspection API (`/_laminar/api/…`), printing tables or its JSON.

mod client;
mod table;

use crate::cli::{EvictArgs, InvocationsArgs, LogsArgs, PsArgs, Remote};
use client::Api;
use serde_json::Value;
use table::Table;

type Outcome = Result<(), Box<dyn std::error::Error>>;

/// A query parameter, encoded.
fn param(name: &str, value: &str) -> String {
    serde_urlencoded::to_string([(name, value)]).unwrap_or_default()
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

pub async fn ps(args: PsArgs) -> Outcome {
    let api = Api::new(&args.remote)?;
    let path = match &args.function {
        Some(f) => format!("/_laminar/api/environments?{}", param("function", f)),
        None => "/_laminar/api/environments".into(),
    };
    let answer = api.get(&path).await?;
    if args.remote.json {
        print_json(&answer);
        return Ok(());
    }
    let mut table = Table::new(&[
        "ID",
        "FUNCTION",
        "VERSION",
        "EXECUTOR",
        "AGE",
        "INVOCATIONS",
        "MEMORY",
        "PROVISIONED",
        "STATE",
        "REQUEST ID",
    ]);
    for env in answer["environments"].as_array().into_iter().flatten() {
        table.row(vec![
            text(&env["id"]),
            text(&env["function"]),
            text(&env["version"]),
            text(&env["executor"]),
            table::age(env["ageMs"].as_i64().unwrap_or(0)),
            text(&env["invocations"]),
            format!(
                "{}/{} MB",
                text(&env["maxMemoryUsedMb"]),
                text(&env["memoryMb"])
            ),
            if env["provisioned"].as_bool() == Some(true) {
                "yes".into()
            } else {
                "no".into()
            },
            text(&env["state"]),
            env["requestId"].as_str().unwrap_or("-").to_string(),
        ]);
    }
    table.print();
    Ok(())
}

pub async fn invocations(args: InvocationsArgs) -> Outcome {
    let api = Api::new(&args.remote)?;
    let mut path = format!("/_laminar/api/invocations?limit={}", args.limit);
    if let Some(f) = &args.function {
        path = format!("{path}&{}", param("function", f));
    }
    let answer = api.get(&path).await?;
    if args.remote.json {
        print_json(&answer);
        return Ok(());
    }
    let mut table = Table::new(&[
        "TIME",
        "REQUEST ID",
        "FUNCTION",
        "VERSION",
        "START",
        "DURATION",
        "BILLED",
        "MEMORY",
        "STATUS",
    ]);
    for inv in answer["invocations"].as_array().into_iter().flatten() {
        let start = match inv["initDurationMs"].as_f64() {
            Some(init) => format!("cold ({init:.0} ms)"),
            None => "warm".into(),
        };
        let status = match inv["errorType"].as_str() {
            Some(kind) => format!("Error: {kind}"),
            None => text(&inv["status"]),
        };
        table.row(vec![
            table::time(inv["timeMs"].as_i64().unwrap_or(0)),
            text(&inv["requestId"]),
            text(&inv["function"]),
            text(&inv["version"]),
            start,
            format!("{:.2} ms", inv["durationMs"].as_f64().unwrap_or(0.0)),
            format!("{} ms", text(&inv["billedDurationMs"])),
            format!(
                "{}/{} MB",
                text(&inv["maxMemoryUsedMb"]),
                text(&inv["memoryMb"])
            ),
            status,
        ]);
    }
    table.print();
    println!(
        "{} of {} shown",
        answer["invocations"].as_array().map_or(0, Vec::len),
        text(&answer["total"])
    );
    Ok(())
}

pub async fn logs(args: LogsArgs) -> Outcome {
    let api = Api::new(&args.remote)?;
    let function = param("function", &args.function);
    // Subscribe before reading the recent ones, so nothing falls between.
    let live = if args.follow {
        Some(
            api.stream(&format!("/_laminar/api/stream?{function}"))
                .await?,
        )
    } else {
        None
    };
    let recent = api
        .get(&format!(
            "/_laminar/api/invocations?{function}&limit={}&bodies=true",
            args.limit
        ))
        .await?;
    let mut last_id = 0;
    let mut shown: Vec<&Value> = recent["invocations"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    shown.reverse();
    for inv in shown {
        last_id = last_id.max(inv["id"].as_i64().unwrap_or(0));
        print_logs(inv, args.remote.json);
    }
    let Some(mut live) = live else {
        return Ok(());
    };
    while let Some(data) = live.next_event().await? {
        let Ok(inv) = serde_json::from_str::<Value>(&data) else {
            continue;
        };
        if inv["id"].as_i64().unwrap_or(0) > last_id {
            print_logs(&inv, args.remote.json);
        }
    }
    Ok(())
}

fn print_logs(inv: &Value, json: bool) {
    if json {
        println!("{inv}");
    } else {
        print!("{}", inv["logs"].as_str().unwrap_or_default());
    }
}

pub async fn evict(args: EvictArgs) -> Outcome {
    let api = Api::new(&args.remote)?;
    let path = format!(
        "/_laminar/api/functions/{}/evict",
        percent_encoding::utf8_percent_encode(&args.function, percent_encoding::NON_ALPHANUMERIC)
    );
    let answer = api.post(&path).await?;
    if args.remote.json {
        print_json(&answer);
    } else {
        println!(
            "evicted {} environment(s) of {}",
            text(&answer["evicted"]),
            args.function
        );
    }
    Ok(())
}

/// A JSON value as a table cell.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

impl Api {
    fn new(remote: &Remote) -> Result<Self, Box<dyn std::error::Error>> {
        Api::connect(&remote.endpoint)
    }
}
