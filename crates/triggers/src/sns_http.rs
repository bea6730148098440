//! SNS deliveries to `http` subscriptions: a POST of the JSON document (the
//! `SubscriptionConfirmation`, or the notification's envelope, or the raw
//! message) with SNS's `x-amz-sns-*` headers, to loopback endpoints only.
//! A failed POST (no answer within 5 s, or a status outside 2xx) is retried
//! [`RETRIES`] times, [`RETRY_DELAY`] apart — AWS's default HTTP policy
//! retries 3 times over about a minute; laminar keeps the count and goes
//! faster. After the last retry the delivery is refused (and goes to the
//! subscription's dead-letter queue, if it has one). The count is kept in
//! memory: after a restart a delivery starts over (at least once).

use crate::outcome::Outcome;
use crate::Triggers;
use laminar_sns::Delivery;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Retries after the first attempt.
pub(crate) const RETRIES: u32 = 3;
pub(crate) const RETRY_DELAY: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(5);

/// Where an `http://` URL points: (host:port to connect to, Host header,
/// path), for loopback hosts only.
fn target(url: &str) -> Result<(String, String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("laminar posts to http:// endpoints only, not {url}"))?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port),
        _ => (authority, "80"),
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!(
            "laminar posts to loopback endpoints only, not {url}"
        ));
    }
    let connect = if bare == "localhost" {
        format!("127.0.0.1:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok((connect, authority.to_string(), path))
}

/// POSTs `body`; the answer's status.
async fn post(url: &str, headers: &[(&str, String)], body: &str) -> Result<u16, String> {
    let (connect, host, path) = target(url)?;
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&connect)
            .await
            .map_err(|e| e.to_string())?;
        let mut request = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: Amazon Simple Notification Service Agent\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        let mut chunk = [0u8; 1024];
        while !answer.windows(2).any(|w| w == b"\r\n") {
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
        let line = String::from_utf8_lossy(&answer);
        line.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or_else(|| "the endpoint answered no HTTP status".to_string())
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| "the endpoint did not answer in time".to_string())?
}

impl Triggers {
    pub(crate) async fn to_http(&self, delivery: &Delivery) -> Outcome {
        let due = self
            .http_retries
            .lock()
            .ok()
            .and_then(|r| r.get(&delivery.id).map(|(_, at)| *at))
            .is_none_or(|at| at <= Instant::now());
        if !due {
            return Outcome::Later("waiting to retry".into());
        }
        let field = |name: &str| {
            delivery
                .notification
                .get(name)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let kind = field("Type");
        let mut headers = vec![
            ("x-amz-sns-message-type", kind.clone()),
            ("x-amz-sns-message-id", field("MessageId")),
            ("x-amz-sns-topic-arn", field("TopicArn")),
        ];
        if kind == "Notification" {
            headers.push((
                "x-amz-sns-subscription-arn",
                delivery.subscription_arn.clone(),
            ));
            if delivery.raw {
                headers.push(("x-amz-sns-rawdelivery", "true".into()));
            }
        }
        let body = if kind == "Notification" {
            delivery.sqs_body()
        } else {
            let mut document = delivery.notification.clone();
            if let Some(map) = document.as_object_mut() {
                map.remove("MessageAttributes");
            }
            serde_json::to_string_pretty(&document).unwrap_or_default()
        };
        let why = match post(&delivery.endpoint, &headers, &body).await {
            Ok(status) if (200..300).contains(&status) => {
                if let Ok(mut retries) = self.http_retries.lock() {
                    retries.remove(&delivery.id);
                }
                return Outcome::Accepted;
            }
            Ok(status) => format!("the endpoint answered {status}"),
            Err(e) => e,
        };
        if target(&delivery.endpoint).is_err() {
            return Outcome::Refused(why);
        }
        let Ok(mut retries) = self.http_retries.lock() else {
            return Outcome::Refused(why);
        };
        let attempts = retries.get(&delivery.id).map_or(1, |(n, _)| n + 1);
        if attempts > RETRIES {
            retries.remove(&delivery.id);
            return Outcome::Refused(format!("{why} (after {RETRIES} retries)"));
        }
        retries.insert(delivery.id, (attempts, Instant::now() + RETRY_DELAY));
        Outcome::Later(why)
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn only_loopback_http_urls_are_targets() {
        assert_eq!(
            target("http://localhost:8080/hook?x=1").unwrap(),
            (
                "127.0.0.1:8080".to_string(),
                "localhost:8080".to_string(),
                "/hook?x=1".to_string()
            )
        );
        assert_eq!(target("http://127.0.0.1:9").unwrap().2, "/");
        assert_eq!(target("http://[::1]:9/a").unwrap().0, "[::1]:9");
        assert!(target("http://example.com/").is_err());
        assert!(target("https://127.0.0.1/").is_err());
    }
}
