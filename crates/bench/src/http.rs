//! The HTTP client every measurement uses (one keep-alive HTTP/1.1
//! connection per worker, Nagle off, no signing), and the floor: tiny servers
//! in this process that answer 200 at once, alone (one hop) or behind a
//! forwarding server (two hops).

use crate::Result;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text, for error messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive connection; reconnects when the server closed it.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: SendRequest<Full<Bytes>>,
}

async fn handshake(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Result<Self> {
        Ok(Self {
            addr,
            host: addr.to_string(),
            sender: handshake(addr).await?,
        })
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Answer> {
        if self.sender.is_closed() || self.sender.ready().await.is_err() {
            self.sender = handshake(self.addr).await?;
        }
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.host.as_str());
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body))?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn get(&mut self, path: &str) -> Result<Answer> {
        self.send(Method::GET, path, &[], Bytes::new()).await
    }
}

/// A server on its own thread (its own single-threaded runtime, as a separate
/// process would have); it stops when dropped.
pub struct FloorServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FloorServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the floor answers: a small JSON body, as a function would.
const FLOOR_ANSWER: &[u8] = br#"{"ok":true}"#;

fn spawn_server<F, Fut>(name: &str, serve_connection: F) -> Result<FloorServer>
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the floor server");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("listener");
                loop {
                    tokio::select! {
                        _ = &mut stopped => return,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let _ = stream.set_nodelay(true);
                            tokio::spawn(serve_connection(stream));
                        }
                    }
                }
            });
        })?;
    Ok(FloorServer {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// One hop: answers every request with 200 and a small JSON body.
pub fn start_backend() -> Result<FloorServer> {
    spawn_server("floor-backend", |stream| async move {
        let service = hyper::service::service_fn(|request: Request<Incoming>| async move {
            let _ = request.into_body().collect().await;
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(FLOOR_ANSWER))))
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await;
    })
}

/// Two hops: forwards each request (method, path, body) over its own
/// keep-alive connection to `backend` and answers with what came back.
pub fn start_forwarder(backend: SocketAddr) -> Result<FloorServer> {
    spawn_server("floor-forwarder", move |stream| async move {
        let Ok(upstream) = Conn::connect(backend).await else {
            return;
        };
        let upstream = Arc::new(tokio::sync::Mutex::new(upstream));
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let upstream = upstream.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = body
                    .collect()
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                let answer = upstream
                    .lock()
                    .await
                    .send(parts.method, parts.uri.path(), &[], body)
                    .await;
                let response = match answer {
                    Ok(a) => {
                        let mut r = Response::new(Full::new(a.body));
                        *r.status_mut() = a.status;
                        r
                    }
                    Err(_) => {
                        let mut r = Response::new(Full::new(Bytes::new()));
                        *r.status_mut() = StatusCode::BAD_GATEWAY;
                        r
                    }
                };
                Ok::<_, Infallible>(response)
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await;
    })
}
