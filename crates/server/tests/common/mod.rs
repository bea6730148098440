//! A real laminar process for each test, and helpers to drive it with the
//! official Rust SDK.
#![allow(dead_code)]

use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::Client;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

pub struct Laminar {
    child: Child,
    pub url: String,
    /// What laminar printed after its start-up line.
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Laminar {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts `laminar serve --port 0 --executor process` with extra
    /// arguments and waits for its start-up line.
    pub fn start_with(args: &[&str]) -> Self {
        Self::start_executor("process", args)
    }

    pub fn start_executor(executor: &str, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_laminar"))
            .args(["serve", "--port", "0", "--executor", executor])
            .args(args)
            .env("LAMINAR_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("laminar starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("laminar printed its start-up line")
                .expect("readable stderr");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        };
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Self { child, url, log }
    }

    pub fn client(&self) -> Client {
        self.client_for("test", "us-east-1")
    }

    /// A client that reports throttles instead of retrying them.
    pub fn client_without_retries(&self) -> Client {
        let config = self
            .config("test", "us-east-1")
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build();
        Client::from_conf(config)
    }

    pub fn client_for(&self, access_key: &str, region: &str) -> Client {
        Client::from_conf(self.config(access_key, region).build())
    }

    fn config(&self, access_key: &str, region: &str) -> aws_sdk_lambda::config::Builder {
        aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(Region::new(region.to_string()))
            .credentials_provider(Credentials::new(access_key, "secret", None, None, "test"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        unsafe_kill(self.child.id(), "TERM");
        let status = self.child.wait().expect("laminar exits");
        std::mem::forget(self);
        status
    }

    /// SIGKILL: a crash.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::forget(self);
    }
}

fn unsafe_kill(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status();
}

impl Drop for Laminar {
    fn drop(&mut self) {
        unsafe_kill(self.child.id(), "TERM");
        let _ = self.child.wait();
    }
}

/// A zip of `(name, content, unix mode)` entries.
pub fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut buf);
    for (name, data, mode) in entries {
        let options = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap();
    buf.into_inner()
}

pub fn python_zip(source: &str) -> Vec<u8> {
    zip_of(&[("app.py", source.as_bytes(), 0o644)])
}

pub fn node_zip(source: &str) -> Vec<u8> {
    zip_of(&[("index.js", source.as_bytes(), 0o644)])
}

/// The `lambda_runtime` fixture, built beside laminar (`cargo build --workspace --bins`).
pub fn rust_bootstrap_zip() -> Vec<u8> {
    let laminar = Path::new(env!("CARGO_BIN_EXE_laminar"));
    let bootstrap: PathBuf = laminar.with_file_name("bootstrap");
    let bytes = std::fs::read(&bootstrap).unwrap_or_else(|_| {
        panic!(
            "{} is missing: build the fixtures first (cargo build --workspace --bins)",
            bootstrap.display()
        )
    });
    zip_of(&[("bootstrap", &bytes, 0o755)])
}

/// Creates a function and waits until it is `Active`.
pub async fn create(client: &Client, name: &str, runtime: &str, handler: &str, zip: Vec<u8>) {
    create_unwaited(client, name, runtime, handler, zip).await;
    wait_active(client, name).await;
}

/// Creates a function, answered while it is still `Pending`.
pub async fn create_unwaited(
    client: &Client,
    name: &str,
    runtime: &str,
    handler: &str,
    zip: Vec<u8>,
) {
    client
        .create_function()
        .function_name(name)
        .runtime(runtime.into())
        .handler(handler)
        .role(ROLE)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

/// laminar keeps a new function `Pending` (an update `InProgress`, a new
/// version `Pending`) for a moment, as AWS does: tests wait as users must,
/// with the SDK's waiters.
pub async fn wait_active(client: &Client, name: &str) {
    use aws_sdk_lambda::client::Waiters;
    client
        .wait_until_function_active_v2()
        .function_name(name)
        .wait(Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| panic!("{name} becomes Active: {e:?}"));
}

pub async fn wait_updated(client: &Client, name: &str) {
    use aws_sdk_lambda::client::Waiters;
    client
        .wait_until_function_updated_v2()
        .function_name(name)
        .wait(Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| panic!("{name}'s update succeeds: {e:?}"));
}

pub async fn wait_version(client: &Client, name: &str, version: &str) {
    use aws_sdk_lambda::client::Waiters;
    client
        .wait_until_published_version_active()
        .function_name(name)
        .qualifier(version)
        .wait(Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| panic!("{name}:{version} becomes Active: {e:?}"));
}

/// Invokes and returns (function error, payload as JSON).
pub async fn invoke_json(
    client: &Client,
    name: &str,
    payload: serde_json::Value,
) -> (Option<String>, serde_json::Value) {
    let out = client
        .invoke()
        .function_name(name)
        .payload(Blob::new(payload.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoke {name}: {e:?}"));
    let body = out
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    let value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    (out.function_error().map(str::to_string), value)
}

/// Polls until `check` is true or the time is up.
pub async fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

pub fn process_alive(pid: u64) -> bool {
    // A zombie is not running code: count it as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.split(") ").nth(1).unwrap_or("").starts_with('Z'))
        .unwrap_or(false)
}

/// A plain HTTP/1.1 request to laminar's port (Connection: close):
/// returns status, lower-cased headers and body.
pub async fn http(
    laminar_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = laminar_url
        .strip_prefix("http://")
        .unwrap()
        .trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {address}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}
