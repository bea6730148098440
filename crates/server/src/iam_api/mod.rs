//! IAM and STS on the wire: the query protocol (`Action=…&Version=…` in a
//! form body or the query string), answered in XML as AWS answers:
//! `<{Action}Response xmlns=…><{Action}Result>…</{Action}Result>
//! <ResponseMetadata><RequestId>…` and `<ErrorResponse>` with Type, Code and
//! Message. `params.rs` reads the request, `xml.rs` writes the answer,
//! `iam.rs` and `sts.rs` call the service.

mod iam;
mod params;
mod sts;
mod xml;

use crate::render;
use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use laminar_iam::{IamError, IamService, Out};
use laminar_lambda::Scope;
use params::Params;

/// Query requests are small; policy documents are at most 128 KiB.
const BODY_MAX_BYTES: usize = 1024 * 1024;

/// Which of the two services a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Iam,
    Sts,
}

impl Service {
    fn namespace(self) -> &'static str {
        match self {
            Service::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
            Service::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        }
    }
}

pub async fn serve(
    iam: &IamService,
    service: Service,
    scope: &Scope,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_MAX_BYTES).await else {
        let e = IamError::limit_exceeded("Request too large");
        return respond(service, &id, "", Err(e));
    };
    let params = Params::parse(uri.query().unwrap_or_default(), &bytes);
    let action = params.get("Action").unwrap_or_default().to_string();
    let access_key =
        crate::sigv4::access_key(headers.get("authorization").and_then(|v| v.to_str().ok()))
            .unwrap_or_default()
            .to_string();
    let (iam, default_account, op) = (iam.clone(), scope.account.clone(), action.clone());
    // SQLite work (a commit is an fsync with --data-dir) stays off the async workers.
    let outcome = laminar_db::blocking(move || {
        // IAM is global: the caller's account, whatever the region.
        let account = iam.caller(&access_key, &default_account)?.account;
        match service {
            Service::Iam => iam::call(&iam, &account, &op, &params),
            Service::Sts => sts::call(&iam, &default_account, &access_key, &op, &params),
        }
    })
    .await
    .unwrap_or_else(|e| Err(IamError::internal(e.to_string())));
    respond(service, &id, &action, outcome)
}

fn respond(service: Service, id: &str, action: &str, outcome: Result<Out, IamError>) -> Response {
    let ns = service.namespace();
    let (status, body) = match outcome {
        Ok(out) => (200, xml::response(ns, action, &out, id)),
        Err(e) => (e.status, xml::error(ns, &e, id)),
    };
    render::with_request_id(render::raw(status, "text/xml", body), id)
}
