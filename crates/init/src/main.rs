//! laminar-init: PID 1 of every function container laminar starts (mounted
//! read-only, given as the entrypoint, with the image's own entrypoint and
//! command as its arguments). Like the init of Lambda's execution
//! environments, and never a Runtime API of its own:
//!
//! 1. starts the external extensions, the executables of `/opt/extensions`,
//!    in lexical order, after telling laminar their names;
//! 2. starts the runtime (its arguments: the image's bootstrap);
//! 3. forwards SIGTERM and SIGINT to the runtime, stops the runtime alone on
//!    SIGUSR1, reaps every orphan, and reports each extension's and the
//!    runtime's exit to laminar ([`report`]);
//! 4. relays everything printed in the container to laminar, in order with
//!    the runtime's answers ([`relay`]);
//! 5. exits with the runtime's status once the runtime and every extension
//!    have ended (laminar removes the container to end the rest sooner).
//!
//! Everything runs in init's process group, as the container's only one.

mod relay;
mod report;
mod signals;

use relay::Relay;
use report::{Process, Reporter};
use signals::SignalSet;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// The exit status a shell gives for a program it could not start.
const NOT_FOUND: i32 = 127;
const NOT_EXECUTABLE: i32 = 126;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(program) = args.next() else {
        eprintln!("laminar-init: usage: laminar-init PROGRAM [ARGUMENT...]");
        std::process::exit(2);
    };
    let arguments: Vec<_> = args.collect();
    let signals = SignalSet::handled();
    if let Err(e) = signals.block() {
        eprintln!("laminar-init: cannot block signals: {e}");
        std::process::exit(1);
    }
    let reporter = Reporter::from_env();
    // From here on what init and its children print goes through the relay.
    let mut relay = Relay::start(reporter.api());
    let mut drained = move || {
        if let Some(relay) = &mut relay {
            relay.drain();
        }
    };

    let found = laminar_init::extensions_in(Path::new(laminar_init::EXTENSIONS_DIR));
    let names: Vec<String> = found.iter().map(|(name, _)| name.clone()).collect();
    reporter.extensions(&names);
    let mut extensions: Vec<(i32, String)> = Vec::with_capacity(found.len());
    for (name, path) in found {
        match start(Command::new(&path)) {
            Ok(pid) => extensions.push((pid, name)),
            Err(e) => {
                eprintln!("laminar-init: cannot start extension {name}: {e}");
                drained();
                reporter.exit(Process::Extension(&name), launch_status(&e));
            }
        }
    }

    let mut runtime = Command::new(&program);
    runtime.args(&arguments);
    let mut runtime_pid = match start(runtime) {
        Ok(pid) => Some(pid),
        Err(e) => {
            eprintln!(
                "laminar-init: cannot start {}: {e}",
                program.to_string_lossy()
            );
            let status = launch_status(&e);
            drained();
            reporter.exit(Process::Runtime, status);
            finish(status, &extensions);
        }
    };
    let mut runtime_status = 0;

    loop {
        match signals.wait() {
            libc::SIGCHLD => {
                let ended = reap();
                // What a process printed before it ended is with laminar
                // before its end is.
                if !ended.is_empty() {
                    drained();
                }
                for (pid, status) in ended {
                    if Some(pid) == runtime_pid {
                        runtime_pid = None;
                        runtime_status = status;
                        reporter.exit(Process::Runtime, status);
                    } else if let Some(at) = extensions.iter().position(|(p, _)| *p == pid) {
                        let (_, name) = extensions.swap_remove(at);
                        reporter.exit(Process::Extension(&name), status);
                    }
                }
                if runtime_pid.is_none() && extensions.is_empty() {
                    finish(runtime_status, &extensions);
                }
            }
            signal => {
                if let Some(pid) = runtime_pid {
                    let forwarded = if signal == libc::SIGUSR1 {
                        libc::SIGKILL
                    } else {
                        signal
                    };
                    // SAFETY: a plain syscall on a child not yet reaped.
                    unsafe { libc::kill(pid, forwarded) };
                }
            }
        }
    }
}

/// Starts a child with init's environment and output and every signal
/// unblocked; returns its pid (it is reaped by [`reap`], not by `std`).
fn start(mut command: Command) -> std::io::Result<i32> {
    // SAFETY: `unblock_all` is async-signal-safe.
    unsafe { command.pre_exec(signals::unblock_all) };
    let child = command.spawn()?;
    i32::try_from(child.id()).map_err(|_| std::io::Error::other("pid out of range"))
}

/// Every child that ended since the last call, with its wait status.
fn reap() -> Vec<(i32, i32)> {
    let mut ended = Vec::new();
    loop {
        let mut status = 0;
        // SAFETY: waitpid on any child, without blocking.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid <= 0 {
            return ended;
        }
        ended.push((pid, status));
    }
}

/// The wait status of a program that could not be started, as a shell
/// reports it.
fn launch_status(error: &std::io::Error) -> i32 {
    let code = match error.kind() {
        std::io::ErrorKind::NotFound => NOT_FOUND,
        _ => NOT_EXECUTABLE,
    };
    code << 8
}

/// Ends the container: whatever is left is stopped, and init exits with the
/// runtime's status (a signal as 128 + its number, as a shell does).
fn finish(status: i32, extensions: &[(i32, String)]) -> ! {
    for (pid, _) in extensions {
        // SAFETY: plain syscalls on children not yet reaped.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    };
    std::process::exit(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_that_cannot_start_exits_as_a_shell_says() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(launch_status(&missing) >> 8, NOT_FOUND);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(launch_status(&denied) >> 8, NOT_EXECUTABLE);
    }
}
