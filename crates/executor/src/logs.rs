//! The output of an environment's child: one pipe shared by stdout and stderr
//! (so their order is kept), drained into a buffer the invoker takes from.

use std::io;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};
use tokio::net::unix::pipe;

/// More output than this between two invocations keeps only its end.
const BUFFER_LIMIT: usize = 8 * 1024 * 1024;

pub(crate) struct OutputPipe {
    shared: Arc<Shared>,
    reader: tokio::task::JoinHandle<()>,
}

struct Shared {
    rx: pipe::Receiver,
    buf: Mutex<Vec<u8>>,
}

impl Shared {
    /// Moves everything the pipe holds right now into the buffer. Returns
    /// false at end of file. Holding the buffer lock while reading keeps the
    /// output in order between the reader task and `take`.
    fn drain(&self) -> io::Result<bool> {
        let mut buf = self.buf.lock().unwrap_or_else(|e| e.into_inner());
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.rx.try_read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.len() > BUFFER_LIMIT {
                        let excess = buf.len() - BUFFER_LIMIT;
                        buf.drain(..excess);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl OutputPipe {
    /// Creates the pipe; the returned descriptors are the child's stdout and
    /// stderr.
    pub(crate) fn new() -> io::Result<(Self, OwnedFd, OwnedFd)> {
        let (tx, rx) = pipe::pipe()?;
        let stdout = tx.into_blocking_fd()?;
        let stderr = stdout.try_clone()?;
        let shared = Arc::new(Shared {
            rx,
            buf: Mutex::new(Vec::new()),
        });
        let reader = tokio::spawn(read_until_eof(shared.clone()));
        Ok((Self { shared, reader }, stdout, stderr))
    }

    /// Everything written so far. Output written before the caller learned of
    /// an event (e.g. a posted response) is already in the pipe, so it is
    /// included.
    pub(crate) fn take(&self) -> Vec<u8> {
        let _ = self.shared.drain();
        let mut buf = self.shared.buf.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *buf)
    }
}

impl Drop for OutputPipe {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

async fn read_until_eof(shared: Arc<Shared>) {
    loop {
        if shared.rx.readable().await.is_err() {
            return;
        }
        match shared.drain() {
            Ok(true) => {}
            Ok(false) | Err(_) => return,
        }
    }
}

/// Output that arrives as a stream of chunks (a container's log stream),
/// collected until taken.
#[derive(Clone, Default)]
pub(crate) struct StreamOutput {
    inner: Arc<StreamInner>,
}

#[derive(Default)]
struct StreamInner {
    buf: Mutex<Vec<u8>>,
    arrived: tokio::sync::Notify,
}

impl StreamOutput {
    pub(crate) fn push(&self, chunk: &[u8]) {
        {
            let mut buf = self.inner.buf.lock().unwrap_or_else(|e| e.into_inner());
            buf.extend_from_slice(chunk);
            if buf.len() > BUFFER_LIMIT {
                let excess = buf.len() - BUFFER_LIMIT;
                buf.drain(..excess);
            }
        }
        self.inner.arrived.notify_waiters();
    }

    pub(crate) fn take(&self) -> Vec<u8> {
        let mut buf = self.inner.buf.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *buf)
    }

    /// Waits until the stream has been quiet for a moment (bounded), so that
    /// what the runtime printed before answering has arrived.
    pub(crate) async fn settle(&self) {
        const QUIET: std::time::Duration = std::time::Duration::from_millis(15);
        const LIMIT: std::time::Duration = std::time::Duration::from_millis(250);
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            let arrived = self.inner.arrived.notified();
            let quiet = tokio::time::sleep(QUIET);
            tokio::select! {
                () = arrived => {}
                () = quiet => return,
            }
            if tokio::time::Instant::now() >= deadline {
                return;
            }
        }
    }
}
