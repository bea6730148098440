//! Function URL endpoints: HTTP requests become payload format 2.0 events,
//! and the function's answer becomes the HTTP response.
//!
//! Reached host-style (`http://<url-id>.lambda-url.<region>.localhost:<port>/`)
//! or, without DNS, path-style (`http://localhost:<port>/lambda-url/<url-id>/`).

use crate::render;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;
use laminar_lambda::{InvokeInput, LambdaService, StreamEvent, UrlTarget};
use laminar_model::shapes::Cors;
use laminar_model::ErrorKind;
use serde_json::{json, Map, Value};

/// The URL id of a request, and the path the function sees.
pub fn url_request<'a>(host: Option<&'a str>, path: &'a str) -> Option<(&'a str, &'a str)> {
    if let Some(id) = host
        .and_then(|h| h.split_once(".lambda-url."))
        .map(|(id, _)| id)
    {
        return Some((id, path));
    }
    let rest = path.strip_prefix("/lambda-url/")?;
    let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let tail_start = path.len() - tail.len() - 1;
    Some((
        id,
        if tail.is_empty() {
            "/"
        } else {
            &path[tail_start..]
        },
    ))
}

fn message(status: StatusCode, text: &str) -> Response {
    let mut r = render::json(status.as_u16(), &json!({ "Message": text }));
    if status == StatusCode::FORBIDDEN {
        r.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static("AccessDeniedException"),
        );
    }
    r
}

/// A function that failed: AWS answers 502 with a plain text body.
fn function_failed() -> Response {
    render::raw(502, "application/json", "Internal Server Error")
}

/// A URL id that names no function URL: AWS's 403 with a null message.
pub fn unknown_url() -> Response {
    render::raw(403, "application/json", r#"{"Message":null}"#)
}

pub async fn serve(
    service: &LambdaService,
    target: UrlTarget,
    method: &Method,
    raw_path: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let cors = target.config.cors.clone();
    let origin = headers
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(cors) = cors
        .as_ref()
        .filter(|_| method == Method::OPTIONS && origin.is_some())
    {
        let mut response = render::empty(200);
        add_cors(&mut response, cors, origin.as_deref(), true);
        return response;
    }
    if target.config.auth_type == "AWS_IAM" {
        let signed = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"));
        if !signed {
            return message(StatusCode::FORBIDDEN, "Forbidden");
        }
    }
    // One id for the event's requestContext, the invocation and the answer.
    let request_id = uuid::Uuid::new_v4().to_string();
    let request = Incoming {
        method,
        raw_path,
        raw_query,
        headers,
        body: &body,
        request_id: &request_id,
    };
    let event = event(&target, &request);
    let input = InvokeInput {
        function_name: target.function_name.clone(),
        qualifier: target.qualifier.clone(),
        payload: Bytes::from(event.to_string()),
        request_id: Some(request_id.clone()),
        ..Default::default()
    };
    let mut response = if target.config.invoke_mode == "RESPONSE_STREAM" {
        stream(service, &target, input).await
    } else {
        answer(service, &target, input).await
    };
    if let Some(cors) = &cors {
        add_cors(&mut response, cors, origin.as_deref(), false);
    }
    render::set_request_id(response.headers_mut(), &request_id);
    response
}

/// `InvokeMode: BUFFERED`: the function's whole answer as HTTP.
async fn answer(service: &LambdaService, target: &UrlTarget, input: InvokeInput) -> Response {
    match service.invoke(&target.scope, input).await {
        Ok(out) if out.function_error.is_some() => function_failed(),
        Ok(out) => http_response(&out.payload),
        Err(e) if e.kind == ErrorKind::TooManyRequests => {
            message(StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded.")
        }
        Err(e) => {
            tracing::warn!(error = %e, "function URL invoke failed");
            function_failed()
        }
    }
}

/// `InvokeMode: RESPONSE_STREAM`: the function's chunks are the HTTP body,
/// sent as they come.
async fn stream(service: &LambdaService, target: &UrlTarget, input: InvokeInput) -> Response {
    let streaming = match service
        .invoke_with_response_stream(&target.scope, input)
        .await
    {
        Ok(streaming) => streaming,
        Err(e) if e.kind == ErrorKind::TooManyRequests => {
            return message(StatusCode::TOO_MANY_REQUESTS, "Rate Exceeded.")
        }
        Err(_) => return function_failed(),
    };
    let body = futures_util::stream::unfold(streaming.events, |mut events| async move {
        match events.recv().await? {
            StreamEvent::Chunk(chunk) => Some((Ok::<_, std::convert::Infallible>(chunk), events)),
            StreamEvent::Complete { .. } => None,
        }
    });
    render::raw(
        200,
        "application/octet-stream",
        axum::body::Body::from_stream(body),
    )
}

/// What the event is made of.
struct Incoming<'a> {
    method: &'a Method,
    raw_path: &'a str,
    raw_query: &'a str,
    headers: &'a HeaderMap,
    body: &'a Bytes,
    request_id: &'a str,
}

/// The payload format 2.0 event.
fn event(target: &UrlTarget, request: &Incoming<'_>) -> Value {
    let Incoming {
        method,
        raw_path,
        raw_query,
        headers,
        body,
        request_id,
    } = *request;
    let mut header_map: Map<String, Value> = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    for (name, value) in headers {
        let Ok(value) = value.to_str() else { continue };
        if name == "cookie" {
            cookies.extend(value.split(';').map(|c| json!(c.trim())));
            continue;
        }
        let entry = header_map
            .entry(name.as_str().to_string())
            .or_insert_with(|| json!(""));
        *entry = match entry.as_str() {
            Some("") => json!(value),
            Some(existing) => json!(format!("{existing},{value}")),
            None => json!(value),
        };
    }
    let query: Vec<(String, String)> = serde_urlencoded::from_str(raw_query).unwrap_or_default();
    let mut parameters: Map<String, Value> = Map::new();
    for (k, v) in query {
        let entry = parameters.entry(k).or_insert_with(|| json!(""));
        *entry = match entry.as_str() {
            Some("") => json!(v),
            Some(existing) => json!(format!("{existing},{v}")),
            None => json!(v),
        };
    }
    let (body_text, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    let now = chrono::Utc::now();
    let url_id = &target.config.url_id;
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": url_id,
            "domainName": format!("{url_id}.lambda-url.{}.on.aws", target.scope.region),
            "domainPrefix": url_id,
            "http": {
                "method": method.as_str(),
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": encoded,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !parameters.is_empty() {
        event["queryStringParameters"] = Value::Object(parameters);
    }
    if !body.is_empty() {
        event["body"] = json!(body_text);
    }
    event
}

/// The function's answer as HTTP: a `{statusCode, headers, body, …}` object is
/// mapped member by member; a string is the body as it is; any other value
/// is the body as compact JSON (AWS re-writes `["a", 3]` as `["a",3]`), 200.
fn http_response(payload: &[u8]) -> Response {
    let value: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let Some(object) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        let body = match value {
            Value::String(text) => text.into_bytes(),
            _ => compact(payload),
        };
        return render::raw(200, "application/json", body);
    };
    let status = object
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    let body = match object.get("body") {
        Some(Value::String(text)) => {
            let encoded = object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true);
            if encoded {
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_else(|_| text.clone().into_bytes())
            } else {
                text.clone().into_bytes()
            }
        }
        Some(Value::Null) | None => Vec::new(),
        Some(other) => other.to_string().into_bytes(),
    };
    let mut response = render::raw(status, "application/json", body);
    let out = response.headers_mut();
    if let Some(Value::Object(headers)) = object.get("headers") {
        for (name, value) in headers {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_str(&text),
            ) {
                out.insert(n, v);
            }
        }
    }
    if let Some(Value::Array(cookies)) = object.get("cookies") {
        for cookie in cookies.iter().filter_map(Value::as_str) {
            if let Ok(v) = HeaderValue::from_str(cookie) {
                out.append("set-cookie", v);
            }
        }
    }
    response
}

/// JSON text without the whitespace between its tokens, members kept in
/// their order (re-serialising a `Value` would sort them).
fn compact(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for &byte in json {
        if in_string {
            in_string = escaped || byte != b'"';
            escaped = !escaped && byte == b'\\';
        } else if byte == b'"' {
            in_string = true;
        } else if byte.is_ascii_whitespace() {
            continue;
        }
        out.push(byte);
    }
    out
}

fn add_cors(response: &mut Response, cors: &Cors, origin: Option<&str>, preflight: bool) {
    let Some(origin) = origin else { return };
    let list = |members: &Option<Vec<String>>| members.clone().unwrap_or_default();
    let origins = list(&cors.allow_origins);
    if !origins.iter().any(|o| o == "*" || o == origin) {
        return;
    }
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    let allowed_origin = if origins.iter().any(|o| o == "*") {
        "*"
    } else {
        origin
    };
    set("access-control-allow-origin", allowed_origin.to_string());
    if cors.allow_credentials == Some(true) {
        set("access-control-allow-credentials", "true".into());
    }
    let expose = list(&cors.expose_headers);
    if !expose.is_empty() {
        set("access-control-expose-headers", expose.join(","));
    }
    if preflight {
        let methods = list(&cors.allow_methods);
        if !methods.is_empty() {
            set("access-control-allow-methods", methods.join(","));
        }
        let allow_headers = list(&cors.allow_headers);
        if !allow_headers.is_empty() {
            set("access-control-allow-headers", allow_headers.join(","));
        }
        if let Some(age) = cors.max_age {
            set("access-control-max-age", age.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_ids_from_host_or_path() {
        assert_eq!(
            url_request(Some("abc.lambda-url.us-east-1.localhost:4566"), "/x"),
            Some(("abc", "/x"))
        );
        assert_eq!(
            url_request(None, "/lambda-url/abc/a/b"),
            Some(("abc", "/a/b"))
        );
        assert_eq!(url_request(None, "/lambda-url/abc"), Some(("abc", "/")));
        assert_eq!(
            url_request(Some("localhost:4566"), "/2015-03-31/functions"),
            None
        );
    }

    #[test]
    fn responses_map_like_lambda() {
        let r = http_response(
            br#"{"statusCode": 201, "headers": {"x-a": "1"}, "body": "hi", "cookies": ["a=1"]}"#,
        );
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["x-a"], "1");
        assert_eq!(r.headers()["set-cookie"], "a=1");
        let bare = http_response(br#"{"hello": 1}"#);
        assert_eq!(bare.status(), 200);
    }

    #[test]
    fn compact_keeps_strings_and_order() {
        let text = br#"{ "b" : [ "a \" , b" , 3 , true ] , "a" : "x\\" }"#;
        assert_eq!(
            compact(text),
            br#"{"b":["a \" , b",3,true],"a":"x\\"}"#.to_vec()
        );
    }
}
