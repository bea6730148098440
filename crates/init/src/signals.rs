//! The signals init handles itself: blocked in init and waited for
//! synchronously, unblocked again in every child it starts.

use std::io;

/// SIGTERM and SIGINT are forwarded to the runtime; SIGUSR1 from laminar
/// stops the runtime alone (the extensions still get their SHUTDOWN);
/// SIGCHLD means a process to reap.
pub const HANDLED: [libc::c_int; 4] = [libc::SIGTERM, libc::SIGINT, libc::SIGUSR1, libc::SIGCHLD];

pub struct SignalSet(libc::sigset_t);

impl SignalSet {
    pub fn handled() -> Self {
        // SAFETY: sigemptyset/sigaddset only write the set we own.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in HANDLED {
                libc::sigaddset(&mut set, signal);
            }
            Self(set)
        }
    }

    /// Blocks the set in this (single-threaded) process.
    pub fn block(&self) -> io::Result<()> {
        // SAFETY: a valid set; the old mask is not wanted.
        let rc = unsafe { libc::sigprocmask(libc::SIG_BLOCK, &self.0, std::ptr::null_mut()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Waits for one of the set's signals.
    pub fn wait(&self) -> libc::c_int {
        loop {
            let mut signal: libc::c_int = 0;
            // SAFETY: a valid set and a place for the answer.
            if unsafe { libc::sigwait(&self.0, &mut signal) } == 0 {
                return signal;
            }
        }
    }
}

/// Unblocks every signal: what a child must start with (it inherits init's
/// mask across exec). Async-signal-safe, for `pre_exec`.
pub fn unblock_all() -> io::Result<()> {
    // SAFETY: sigemptyset and sigprocmask are async-signal-safe.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        if libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
