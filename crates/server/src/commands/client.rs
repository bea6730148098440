//! The HTTP side of the commands: JSON requests to laminar, and reading its
//! server-sent events.

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

type Error = Box<dyn std::error::Error>;

pub struct Api {
    endpoint: String,
    client: Client<HttpConnector, Empty<Bytes>>,
}

impl Api {
    pub fn connect(endpoint: &str) -> Result<Self, Error> {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        if !endpoint.starts_with("http://") {
            return Err(format!("--endpoint must be an http:// address, not {endpoint}").into());
        }
        Ok(Self {
            endpoint,
            client: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    async fn send(
        &self,
        method: hyper::Method,
        path: &str,
    ) -> Result<hyper::Response<Incoming>, Error> {
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.endpoint))
            .body(Empty::new())?;
        self.client
            .request(request)
            .await
            .map_err(|e| format!("laminar does not answer at {}: {e}", self.endpoint).into())
    }

    async fn json(&self, method: hyper::Method, path: &str) -> Result<Value, Error> {
        let response = self.send(method, path).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let value: Value =
            serde_json::from_slice(&body).map_err(|e| format!("{path}: not JSON ({e})"))?;
        if !status.is_success() {
            let message = value["message"]
                .as_str()
                .or(value["Message"].as_str())
                .unwrap_or_default();
            return Err(format!("{status}: {message}").into());
        }
        Ok(value)
    }

    pub async fn get(&self, path: &str) -> Result<Value, Error> {
        self.json(hyper::Method::GET, path).await
    }

    pub async fn post(&self, path: &str) -> Result<Value, Error> {
        self.json(hyper::Method::POST, path).await
    }

    /// Opens a server-sent event stream.
    pub async fn stream(&self, path: &str) -> Result<Events, Error> {
        let response = self.send(hyper::Method::GET, path).await?;
        if !response.status().is_success() {
            return Err(format!("{path}: {}", response.status()).into());
        }
        Ok(Events {
            body: response.into_body(),
            buffer: BytesMut::new(),
        })
    }
}

/// The `invocation` events of a stream, one data text at a time.
pub struct Events {
    body: Incoming,
    buffer: BytesMut,
}

impl Events {
    /// The next `invocation` event's data; `None` when the stream ends.
    pub async fn next_event(&mut self) -> Result<Option<String>, Error> {
        loop {
            if let Some(end) = find(&self.buffer, b"\n\n") {
                let block = self.buffer.split_to(end + 2);
                if let Some(data) = invocation_data(&String::from_utf8_lossy(&block)) {
                    return Ok(Some(data));
                }
                continue;
            }
            match self.body.frame().await {
                Some(frame) => {
                    if let Ok(mut data) = frame?.into_data() {
                        while data.has_remaining() {
                            let chunk = data.chunk();
                            self.buffer.extend_from_slice(chunk);
                            let n = chunk.len();
                            data.advance(n);
                        }
                    }
                }
                None => return Ok(None),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The data of an `event: invocation` block (its `data:` lines joined).
fn invocation_data(block: &str) -> Option<String> {
    let mut event = None;
    let mut data = Vec::new();
    for line in block.lines() {
        if let Some(name) = line.strip_prefix("event:") {
            event = Some(name.trim());
        } else if let Some(text) = line.strip_prefix("data:") {
            data.push(text.strip_prefix(' ').unwrap_or(text));
        }
    }
    (event == Some("invocation")).then(|| data.join("\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_data_of_invocation_events() {
        assert_eq!(
            super::invocation_data("event: invocation\ndata: {\"a\":1}\n\n").as_deref(),
            Some("{\"a\":1}")
        );
        assert_eq!(super::invocation_data(": keep-alive\n\n"), None);
    }
}
