//! `api/invocations`: the recorded invocations (paged, newest first), the
//! runs of one request id, and `api/stream`, the live feed (server-sent
//! events) the console and `laminar logs --follow` read.

use super::{bad_request, not_found, off_worker, query};
use crate::render;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use laminar_history::{Filter, History};
use laminar_lambda::LambdaService;
use laminar_model::ApiError;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How long a read waits for invocations still on their way to the table.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    account: Option<String>,
    region: Option<String>,
    function: Option<String>,
    /// ms since the epoch.
    since: Option<i64>,
    before: Option<i64>,
    after: Option<i64>,
    limit: Option<usize>,
    /// With event, response and logs.
    #[serde(default)]
    bodies: bool,
}

/// `GET api/invocations?function=&since=&before=&after=&limit=`
pub(super) async fn list(
    service: &LambdaService,
    text: Option<&str>,
) -> Result<Response, ApiError> {
    let q: ListQuery = query(text)?;
    let history = history_of(service);
    off_worker(move || {
        history.flush(SETTLE);
        let filter = Filter {
            account: q.account,
            region: q.region,
            function: q.function,
            since_ms: q.since,
            before_id: q.before,
            after_id: q.after,
            limit: q.limit.unwrap_or(50),
            bodies: q.bodies,
        };
        let page = history
            .list(&filter)
            .map_err(|e| ApiError::service(e.to_string()))?;
        Ok(render::json(200, &page))
    })
    .await
}

/// `GET api/invocations/{requestId}`: every run of it, with the event, the
/// response and the log text.
pub(super) async fn runs(service: &LambdaService, request_id: &str) -> Result<Response, ApiError> {
    let (history, id) = (history_of(service), request_id.to_string());
    off_worker(move || {
        history.flush(SETTLE);
        let runs = history
            .runs_of(&id)
            .map_err(|e| ApiError::service(e.to_string()))?;
        if runs.is_empty() {
            return Err(not_found(format!("No invocation with request id {id}")));
        }
        Ok(render::json(200, &serde_json::json!({ "runs": runs })))
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
struct StreamQuery {
    function: Option<String>,
}

/// `GET api/stream?function=`: each invocation as it is recorded, an
/// `invocation` event whose data is its JSON with event, response and logs.
pub(super) fn stream(service: &LambdaService, text: Option<&str>) -> Result<Response, ApiError> {
    let q: StreamQuery = query(text)?;
    if q.function.as_deref() == Some("") {
        return Err(bad_request("function must not be empty".into()));
    }
    let receiver = history_of(service).subscribe();
    let events = futures_util::stream::unfold(receiver, move |mut receiver| {
        let function = q.function.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(inv) if function.as_ref().is_none_or(|f| *f == inv.function) => {
                        let data = serde_json::to_string(&*inv).unwrap_or_default();
                        let event = Event::default().event("invocation").data(data);
                        return Some((Ok::<_, Infallible>(event), receiver));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => {
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((Ok(event), receiver));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

fn history_of(service: &LambdaService) -> History {
    service.invoker().history().clone()
}
