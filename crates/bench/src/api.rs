//! The Lambda REST operations the bench calls, unsigned (laminar accepts
//! any or no credentials). Paths as in botocore's `lambda/2015-03-31` model.

use crate::http::{Answer, Conn};
use crate::Result;
use base64::Engine;
use bytes::Bytes;
use hyper::Method;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub fn invoke_path(name: &str) -> String {
    format!("/2015-03-31/functions/{name}/invocations")
}

pub fn function_path(name: &str) -> String {
    format!("/2015-03-31/functions/{name}")
}

/// Fails with the answer's text unless it has the expected status.
pub fn expect(answer: Answer, status: u16, what: &str) -> Result<Answer> {
    if answer.status.as_u16() != status {
        return Err(format!(
            "{what}: expected {status}, got {}: {}",
            answer.status,
            answer.text()
        )
        .into());
    }
    Ok(answer)
}

pub async fn create_function(conn: &mut Conn, body: Bytes) -> Result<(Duration, Answer)> {
    let begun = Instant::now();
    let answer = conn
        .send(Method::POST, "/2015-03-31/functions", &[], body)
        .await?;
    let took = begun.elapsed();
    Ok((took, expect(answer, 201, "CreateFunction")?))
}

pub async fn get_function(conn: &mut Conn, name: &str) -> Result<Answer> {
    conn.get(&function_path(name)).await
}

/// CreateEventSourceMapping; answers the mapping's UUID.
pub async fn create_mapping(conn: &mut Conn, body: &serde_json::Value) -> Result<String> {
    let answer = conn
        .send(
            Method::POST,
            "/2015-03-31/event-source-mappings",
            &[],
            Bytes::from(body.to_string()),
        )
        .await?;
    let created = expect(answer, 202, "CreateEventSourceMapping")?.json()?;
    created["UUID"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "CreateEventSourceMapping answered no UUID".into())
}

/// Waits until the function is `Active` and its last update `Successful`
/// (the Docker executor prepares its image in the background).
pub async fn wait_ready(conn: &mut Conn, name: &str, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        let answer = expect(get_function(conn, name).await?, 200, "GetFunction")?;
        let doc = answer.json()?;
        let c = &doc["Configuration"];
        let state = c["State"].as_str().unwrap_or_default();
        let update = c["LastUpdateStatus"].as_str().unwrap_or_default();
        if state == "Failed" || update == "Failed" {
            return Err(format!("{name} failed: {}", answer.text()).into());
        }
        if state == "Active" && update == "Successful" {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("{name} not ready after {limit:?}: {state}/{update}").into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A change that gives the function a new revision: its next invoke is cold.
pub async fn touch(conn: &mut Conn, name: &str, description: &str) -> Result<()> {
    let body = serde_json::json!({ "Description": description }).to_string();
    let answer = conn
        .send(
            Method::PUT,
            &format!("/2015-03-31/functions/{name}/configuration"),
            &[],
            Bytes::from(body),
        )
        .await?;
    expect(answer, 200, "UpdateFunctionConfiguration")?;
    Ok(())
}

/// One RequestResponse invoke, timed client to client.
pub struct Invoked {
    pub took: Duration,
    pub answer: Answer,
}

pub async fn invoke(conn: &mut Conn, path: &str, payload: &Bytes, tail: bool) -> Result<Invoked> {
    let headers: &[(&str, &str)] = if tail {
        &[("x-amz-log-type", "Tail")]
    } else {
        &[]
    };
    let begun = Instant::now();
    let answer = conn
        .send(Method::POST, path, headers, payload.clone())
        .await?;
    let took = begun.elapsed();
    if answer.status.as_u16() != 200 || answer.header("x-amz-function-error").is_some() {
        return Err(format!(
            "invoke {path}: {} {:?}: {}",
            answer.status,
            answer.header("x-amz-function-error"),
            answer.text()
        )
        .into());
    }
    Ok(Invoked { took, answer })
}

/// `NextMarker` of a ListFunctions page, found without parsing the page
/// (laminar writes compact JSON; markers are URL-safe base64).
pub fn next_marker(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"NextMarker\":\"";
    // It is the last member: look at the end only.
    let body = &body[body.len().saturating_sub(1024)..];
    let start = body.windows(KEY.len()).rposition(|w| w == KEY)? + KEY.len();
    let len = body[start..].iter().position(|&b| b == b'"')?;
    Some(String::from_utf8_lossy(&body[start..start + len]).into_owned())
}

/// The fields of the REPORT line in an `X-Amz-Log-Result`, e.g.
/// `Duration` → 0.21, `Init Duration` → 3.4 (milliseconds).
pub fn report_of(answer: &Answer) -> Option<HashMap<String, f64>> {
    let encoded = answer.header("x-amz-log-result")?;
    let text = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8_lossy(&text);
    let line = text.lines().find(|l| l.starts_with("REPORT "))?;
    let fields = line
        .split('\t')
        .filter_map(|field| {
            let (key, value) = field.split_once(": ")?;
            let number = value.split_whitespace().next()?.parse::<f64>().ok()?;
            Some((key.trim().to_string(), number))
        })
        .collect();
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_fields() {
        let log = "START RequestId: x Version: $LATEST\nEND RequestId: x\nREPORT RequestId: x\tDuration: 0.25 ms\tBilled Duration: 1 ms\tMemory Size: 256 MB\tMax Memory Used: 5 MB\tInit Duration: 3.50 ms\t\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(log);
        let mut headers = hyper::HeaderMap::new();
        headers.insert("x-amz-log-result", encoded.parse().unwrap());
        let answer = Answer {
            status: hyper::StatusCode::OK,
            headers,
            body: Bytes::new(),
        };
        let report = report_of(&answer).unwrap();
        assert_eq!(report["Duration"], 0.25);
        assert_eq!(report["Init Duration"], 3.5);
        assert_eq!(report["Billed Duration"], 1.0);
    }

    #[test]
    fn marker_without_parsing() {
        let page = br#"{"Functions":[{"FunctionName":"a"}],"NextMarker":"Zm4tMDAwNDk"}"#;
        assert_eq!(next_marker(page).as_deref(), Some("Zm4tMDAwNDk"));
        assert_eq!(next_marker(br#"{"Functions":[]}"#), None);
    }
}
