//! SNS deliveries to `http` and `https` subscriptions: a POST of the JSON document (the
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
use bytes::Bytes;
use http_body_util::Full;
use hyper::Uri;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use laminar_sns::Delivery;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Retries after the first attempt.
pub(crate) const RETRIES: u32 = 3;
pub(crate) const RETRY_DELAY: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(5);

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// One client for every delivery: `http://`, and `https://` verified against
/// the machine's trusted roots, as SNS verifies an endpoint's certificate.
fn client() -> Result<&'static HttpClient, String> {
    static CLIENT: OnceLock<Result<HttpClient, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_native_roots()
                .map_err(|e| format!("no trusted roots for https endpoints: {e}"))?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Client::builder(TokioExecutor::new()).build(connector))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// An endpoint laminar posts to: an `http` or `https` URL of a loopback host.
fn target(url: &str) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|_| format!("not a URL: {url}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(format!(
            "laminar posts to http:// and https:// endpoints only, not {url}"
        ));
    }
    let host = uri.host().unwrap_or_default();
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
    Ok(uri)
}

/// POSTs `body`; the answer's status.
async fn post(url: &str, headers: &[(&str, String)], body: &str) -> Result<u16, String> {
    let uri = target(url)?;
    let mut request = hyper::Request::post(uri)
        .header("content-type", "text/plain; charset=UTF-8")
        .header("user-agent", "Amazon Simple Notification Service Agent");
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| e.to_string())?;
    let answer = tokio::time::timeout(TIMEOUT, client()?.request(request))
        .await
        .map_err(|_| "the endpoint did not answer in time".to_string())?
        .map_err(|e| format!("the endpoint could not be reached: {e}"))?;
    Ok(answer.status().as_u16())
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
    fn only_loopback_http_and_https_urls_are_targets() {
        let uri = target("http://localhost:8080/hook?x=1").unwrap();
        assert_eq!(
            (uri.host(), uri.port_u16()),
            (Some("localhost"), Some(8080))
        );
        assert_eq!(uri.path_and_query().unwrap().as_str(), "/hook?x=1");
        assert!(target("http://127.0.0.1:9").is_ok());
        assert!(target("http://[::1]:9/a").is_ok());
        assert!(target("https://127.0.0.1/").is_ok());
        assert!(target("http://example.com/").is_err());
        assert!(target("ftp://127.0.0.1/").is_err());
    }
}
