//! `laminar`: a local AWS Lambda on one port.

mod allocator;
mod app;
mod cli;
mod cloudwatch_api;
mod cloudwatch_query;
mod commands;
mod companion;
mod cross_account;
mod debug_api;
mod dynamodb_api;
mod enforce;
mod events_api;
mod function_url;
mod gateway;
mod iam_api;
mod introspect;
mod kinesis_api;
mod logs_api;
mod ops;
mod render;
mod request;
mod routes;
mod s3_api;
mod services;
mod sigv4;
mod sns_api;
mod sqs_api;
mod unknown_service;

use clap::Parser;

fn main() -> std::process::ExitCode {
    allocator::return_freed_memory();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("laminar: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LAMINAR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        cli::Command::Serve(args) => gateway::serve(*args).await,
        cli::Command::Ps(args) => commands::ps(args).await,
        cli::Command::Invocations(args) => commands::invocations(args).await,
        cli::Command::Logs(args) => commands::logs(args).await,
        cli::Command::Evict(args) => commands::evict(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("laminar: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
