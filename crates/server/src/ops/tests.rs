//! The generated inputs: typed values from labels, query and headers, and
//! the gateway's own answers for values its checks would have refused.

use super::decode::Decode;
use crate::request::Parts;
use crate::routes;
use axum::http::HeaderMap;
use laminar_model::constraints::{self, RequestParts};
use laminar_model::enums::{FunctionVersion, InvocationType, LogType};
use laminar_model::input;

fn parts(method: &str, path: &str, query: &[(&str, &str)], headers: &[(&str, &str)]) -> Parts {
    let query: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    let matched = routes::match_request(method, path, &query).expect("a route");
    Parts {
        matched,
        query,
        headers: map,
        body: Default::default(),
    }
}

/// What the gateway answers for the same request.
fn gateway_check(p: &Parts) -> Result<(), laminar_model::ApiError> {
    let label = |name: &str| p.matched.labels.get(name).cloned();
    let header = |name: &str| {
        p.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    constraints::check(
        p.matched.operation,
        &RequestParts {
            labels: &label,
            query: &p.query,
            header: &header,
            body: &p.body,
        },
    )
}

#[test]
fn members_arrive_with_the_models_types() {
    let p = parts(
        "GET",
        "/2015-03-31/functions/",
        &[("MaxItems", "50"), ("FunctionVersion", "ALL")],
        &[],
    );
    let list = input::ListFunctions::decode(&p).unwrap();
    assert_eq!(list.max_items, Some(50));
    assert_eq!(list.function_version, Some(FunctionVersion::All));

    let p = parts(
        "POST",
        "/2015-03-31/functions/f/invocations",
        &[("Qualifier", "live")],
        &[
            ("X-Amz-Invocation-Type", "Event"),
            ("X-Amz-Log-Type", "Tail"),
        ],
    );
    let invoke = input::Invoke::decode(&p).unwrap();
    assert_eq!(invoke.function_name, "f");
    assert_eq!(invoke.qualifier.as_deref(), Some("live"));
    assert_eq!(invoke.invocation_type, Some(InvocationType::Event));
    assert_eq!(invoke.log_type, Some(LogType::Tail));

    let p = parts("GET", "/2018-10-31/layers/l/versions/3", &[], &[]);
    assert_eq!(
        input::GetLayerVersion::decode(&p).unwrap().version_number,
        3
    );

    let arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/i";
    let encoded = arn.replace('/', "%2F");
    let path = format!("/2025-12-01/durable-executions/{encoded}/history");
    let query = [("IncludeExecutionData", "false"), ("MaxItems", "10")];
    let history = input::GetDurableExecutionHistory::decode(&parts("GET", &path, &query, &[]));
    let history = history.unwrap();
    assert_eq!(history.include_execution_data, Some(false));
    assert_eq!(history.max_items, Some(10));
    assert_eq!(history.reverse_order, None);

    let resource = "arn:aws:lambda:us-east-1:123456789012:function:f";
    let path = format!("/2017-03-31/tags/{resource}");
    let query = [("tagKeys", "a"), ("tagKeys", "b")];
    let untag = input::UntagResource::decode(&parts("DELETE", &path, &query, &[])).unwrap();
    assert_eq!(untag.tag_keys, ["a", "b"]);
}

#[test]
fn values_the_gateway_refuses_fail_decoding_with_its_message() {
    let cases = [
        parts(
            "GET",
            "/2015-03-31/functions/",
            &[("MaxItems", "many")],
            &[],
        ),
        parts(
            "GET",
            "/2015-03-31/functions/",
            &[("FunctionVersion", "SOME")],
            &[],
        ),
        parts("GET", "/2018-10-31/layers/l/versions/three", &[], &[]),
        parts(
            "POST",
            "/2015-03-31/functions/f/invocations",
            &[],
            &[("X-Amz-Log-Type", "Everything")],
        ),
    ];
    for p in &cases {
        let gateway = gateway_check(p).expect_err(p.matched.operation);
        let decoded = match p.matched.operation {
            "ListFunctions" => input::ListFunctions::decode(p).err(),
            "GetLayerVersion" => input::GetLayerVersion::decode(p).err(),
            "Invoke" => input::Invoke::decode(p).err(),
            other => panic!("no case for {other}"),
        };
        let decoded = decoded.expect(p.matched.operation);
        assert_eq!(decoded.kind, gateway.kind);
        assert_eq!(decoded.message, gateway.message);
    }
}

#[test]
fn a_body_of_the_wrong_shape_is_a_validation_error() {
    let mut p = parts("POST", "/2015-03-31/functions/f/versions", &[], &[]);
    p.body = r#"{"Description": 7}"#.into();
    let err = input::PublishVersion::<laminar_lambda::PublishVersionRequest>::decode(&p)
        .expect_err("a number is not a description");
    assert!(
        err.message
            .starts_with("1 validation error detected: the request body could not be read"),
        "{}",
        err.message
    );
}
