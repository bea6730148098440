//! The output of every process of the container, relayed to laminar so that
//! nothing printed before an answer arrives after it.
//!
//! Init points its own stdout and stderr (which every child inherits) at one
//! pipe and a thread of its own reads it, posting what it reads to
//! `POST /_laminar/init/output` on the environment's Runtime API listener. A
//! container's log stream carries no order against the runtime's answers; the
//! pipe does: whatever the runtime wrote before it posted a response is in
//! the pipe by then. So when laminar wants an invocation's output complete,
//! it answers init's long poll `GET /_laminar/init/flush` with a token; init
//! reads the pipe dry and posts the rest with `Laminar-Flush: <token>`.
//! Before init reports a process's exit it reads the pipe dry too.
//!
//! When laminar cannot be reached the output goes to init's original
//! stdout, the container's log stream, as without a relay.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc;
use std::time::Duration;

/// The most read from the pipe for one post.
const CHUNK: usize = 64 * 1024;
/// How long a process's exit report waits for its output to be relayed.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// The relay's handle in init's main thread.
pub struct Relay {
    /// A byte written here asks the thread to read the pipe dry.
    wake: std::fs::File,
    drained: mpsc::Receiver<()>,
}

impl Relay {
    /// Starts relaying, once laminar answered a first (empty) post: from
    /// then on laminar knows output comes this way. `None` (output left as
    /// it is) without an address or when laminar cannot be reached.
    pub fn start(api: Option<&str>) -> Option<Self> {
        let api = api?;
        let mut poster = Poster::connect(api).ok()?;
        poster.post(&[], None).ok()?;
        match Self::redirect_output(api, poster) {
            Ok(relay) => Some(relay),
            Err(e) => {
                eprintln!("laminar-init: output stays on the container's log: {e}");
                None
            }
        }
    }

    fn redirect_output(api: &str, poster: Poster) -> io::Result<Self> {
        let (output, writer) = pipe()?;
        set_nonblocking(&output)?;
        // SAFETY: dup of an open descriptor; the copy is ours alone.
        let original = cvt(unsafe { libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3) })?;
        // SAFETY: `original` was just returned by fcntl and is owned here.
        let original = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(original) });
        for fd in [1, 2] {
            // SAFETY: dup2 onto stdout/stderr; children inherit them.
            cvt(unsafe { libc::dup2(writer.as_raw_fd(), fd) })?;
        }
        drop(writer);
        let (wake_reader, wake) = pipe()?;
        let (drained_tx, drained) = mpsc::channel();
        let flush = FlushPoll::open(api).ok();
        let thread = RelayThread {
            output,
            output_open: true,
            original,
            poster: Some(poster),
            flush,
            wake: std::fs::File::from(wake_reader),
            drained: drained_tx,
        };
        std::thread::Builder::new()
            .name("relay".into())
            .spawn(move || thread.run())?;
        Ok(Self {
            wake: std::fs::File::from(wake),
            drained,
        })
    }

    /// Returns once what the pipe held has been relayed (bounded).
    pub fn drain(&mut self) {
        if self.wake.write_all(&[1]).is_ok() {
            let _ = self.drained.recv_timeout(DRAIN_LIMIT);
        }
    }
}

struct RelayThread {
    output: OwnedFd,
    /// False once every writer of the pipe is gone.
    output_open: bool,
    original: std::fs::File,
    /// `None` once laminar stopped answering: output goes to `original`.
    poster: Option<Poster>,
    /// `None` once laminar closed the poll (the environment is gone).
    flush: Option<FlushPoll>,
    wake: std::fs::File,
    drained: mpsc::Sender<()>,
}

impl RelayThread {
    fn run(mut self) {
        loop {
            let mut fds = [
                poll_fd(if self.output_open {
                    self.output.as_raw_fd()
                } else {
                    -1
                }),
                poll_fd(self.wake.as_raw_fd()),
                poll_fd(self.flush.as_ref().map_or(-1, |f| f.stream.as_raw_fd())),
            ];
            // SAFETY: three valid pollfd entries (a negative fd is skipped).
            let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if ready < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return;
            }
            if fds[0].revents != 0 {
                self.relay(None);
            }
            if fds[1].revents != 0 {
                let mut byte = [0u8; 64];
                let _ = self.wake.read(&mut byte);
                self.relay(None);
                let _ = self.drained.send(());
            }
            if fds[2].revents != 0 {
                self.answer_flush();
            }
        }
    }

    /// Laminar asked for a flush: the pipe read dry, the token with the last
    /// post, and the next poll.
    fn answer_flush(&mut self) {
        let token = self.flush.as_mut().map(FlushPoll::token);
        match token {
            Some(Ok(token)) => {
                self.relay(Some(token));
                if let Some(flush) = &mut self.flush {
                    if flush.ask().is_err() {
                        self.flush = None;
                    }
                }
            }
            _ => self.flush = None,
        }
    }

    /// Reads what the pipe holds and posts it (with `token`, at least once).
    fn relay(&mut self, token: Option<u64>) {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match read_some(&self.output, &mut buf) {
                Ok(0) => {
                    self.output_open = false;
                    0
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => 0,
            };
            let full = n == buf.len();
            // The token goes with the last post: when the pipe was empty.
            self.post(&buf[..n], if full { None } else { token });
            if !full {
                return;
            }
        }
    }

    fn post(&mut self, bytes: &[u8], token: Option<u64>) {
        if bytes.is_empty() && token.is_none() {
            return;
        }
        if let Some(poster) = &mut self.poster {
            if poster.post(bytes, token).is_ok() {
                return;
            }
            self.poster = None;
        }
        let _ = self.original.write_all(bytes);
    }
}

/// Keeps one connection for posting output.
struct Poster {
    stream: TcpStream,
    host: String,
}

impl Poster {
    fn connect(api: &str) -> io::Result<Self> {
        let stream = TcpStream::connect(api)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Self {
            stream,
            host: api.to_string(),
        })
    }

    fn post(&mut self, bytes: &[u8], token: Option<u64>) -> io::Result<()> {
        let flush = token
            .map(|t| format!("Laminar-Flush: {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST /_laminar/init/output HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n{flush}\r\n",
            self.host,
            bytes.len()
        );
        self.stream.write_all(head.as_bytes())?;
        self.stream.write_all(bytes)?;
        let (status, _) = read_response(&mut self.stream)?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(io::Error::other(format!("laminar answered {status}")))
        }
    }
}

/// The long poll on which laminar asks for flushes.
struct FlushPoll {
    stream: TcpStream,
    host: String,
}

impl FlushPoll {
    fn open(api: &str) -> io::Result<Self> {
        let stream = TcpStream::connect(api)?;
        stream.set_nodelay(true)?;
        let mut poll = Self {
            stream,
            host: api.to_string(),
        };
        poll.ask()?;
        Ok(poll)
    }

    fn ask(&mut self) -> io::Result<()> {
        let request = format!(
            "GET /_laminar/init/flush HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.host
        );
        self.stream.write_all(request.as_bytes())
    }

    /// Reads laminar's answer: the token of the flush it wants.
    fn token(&mut self) -> io::Result<u64> {
        let (status, body) = read_response(&mut self.stream)?;
        if status != 200 {
            return Err(io::Error::other(format!("laminar answered {status}")));
        }
        String::from_utf8_lossy(&body)
            .trim()
            .parse()
            .map_err(|_| io::Error::other("a flush token that is not a number"))
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` body (or none):
/// its status and body.
fn read_response(stream: &mut TcpStream) -> io::Result<(u16, Vec<u8>)> {
    let mut got = Vec::with_capacity(256);
    let mut buf = [0u8; 1024];
    let head_end = loop {
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        got.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&got[..head_end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("not an HTTP response"))?;
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = got.split_off(head_end);
    while body.len() < length {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    Ok((status, body))
}

fn poll_fd(fd: libc::c_int) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// A pipe whose ends are closed on exec (stdout/stderr get theirs by dup2).
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    cvt(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: both were just created and are owned here alone.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    let flags = cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) })?;
    // SAFETY: as above.
    cvt(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) })?;
    Ok(())
}

fn read_some(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: reads into a buffer of the given length.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn responses_are_read_to_the_end_of_their_body() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        // As laminar does: one answer per request, the next after it.
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut asked = [0u8; 1];
            conn.read_exact(&mut asked).unwrap();
            conn.write_all(b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n")
                .unwrap();
            conn.read_exact(&mut asked).unwrap();
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n4")
                .unwrap();
            std::thread::sleep(Duration::from_millis(20));
            conn.write_all(b"2").unwrap();
        });
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(b"?").unwrap();
        assert_eq!(read_response(&mut stream).unwrap(), (204, Vec::new()));
        stream.write_all(b"?").unwrap();
        assert_eq!(read_response(&mut stream).unwrap(), (200, b"42".to_vec()));
        server.join().unwrap();
    }
}
