//! `tether-emulator`: a local Discord for bots, on one port.
//!
//! ```text
//! tether-emulator [--port 0] [--host 127.0.0.1] [--world FILE] [--heartbeat-interval MS]
//! ```
//!
//! Prints the REST base URL, the gateway URL, the control API URL and each
//! bot's token, then serves until Ctrl-C. Logs go to stderr (`RUST_LOG`,
//! default `info`); tokens are never logged.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tether_emulator::{Emulator, World};
use tracing_subscriber::EnvFilter;

/// A local, faithful stand-in for Discord: gateway, REST and control API.
#[derive(Debug, Parser)]
#[command(name = "tether-emulator", version)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// World description (TOML, see crates/emulator/examples/world.toml);
    /// the built-in demo world when absent.
    #[arg(long, value_name = "FILE")]
    world: Option<PathBuf>,
    /// Heartbeat interval sent in Hello, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 41_250)]
    heartbeat_interval: u64,
    /// Identify buckets (`max_concurrency` of GET /gateway/bot).
    #[arg(long, default_value_t = 1)]
    max_concurrency: u32,
    /// Seconds a session stays resumable after its connection is lost.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    resume_grace: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let world = match &args.world {
        Some(path) => match World::load(path) {
            Ok(world) => world,
            Err(error) => {
                eprintln!("error: {error}");
                if let Some(source) = std::error::Error::source(&error) {
                    eprintln!("  caused by: {source}");
                }
                return ExitCode::FAILURE;
            }
        },
        None => World::demo(),
    };
    let bots = world.bots();
    let emulator = Emulator::builder()
        .world(world)
        .bind(SocketAddr::new(args.host, args.port))
        .heartbeat_interval(Duration::from_millis(args.heartbeat_interval))
        .max_concurrency(args.max_concurrency)
        .resume_grace(Duration::from_secs(args.resume_grace))
        .spawn()
        .await;
    let emulator = match emulator {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("API base:    {}", emulator.api_base());
    println!("Gateway:     {}", emulator.gateway_url());
    println!("Control API: {}", emulator.control_url());
    for bot in &bots {
        // Printed on purpose, once, so that the user can start a bot; never logged.
        println!("Bot token:   {} ({})", bot.token.expose(), bot.name);
    }
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("error: cannot wait for Ctrl-C");
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
