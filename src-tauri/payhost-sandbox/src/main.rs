//! `payhost-sandbox serve --port N --db FILE`: the sandbox as its own process.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: payhost-sandbox serve [--port N] [--db FILE]";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("serve") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut port: u16 = 0;
    let mut db = PathBuf::from("payhost-sandbox.sqlite3");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => match value.parse() {
                Ok(value) => port = value,
                Err(_) => {
                    eprintln!("payhost-sandbox: `{value}` is not a port\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            ("--db", Some(value)) => db = PathBuf::from(value),
            _ => {
                eprintln!("payhost-sandbox: unexpected `{arg}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("payhost-sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Loopback only: the sandbox is for one machine.
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match runtime.block_on(payhost_sandbox::serve(addr, &db)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("payhost-sandbox: {err}");
            ExitCode::FAILURE
        }
    }
}
