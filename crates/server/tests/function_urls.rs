//! Function URLs: configuration through the SDK, and real HTTP requests to
//! the endpoint laminar serves for each URL (host-style and path-style).

mod common;

use aws_sdk_lambda::types::{Cors, FunctionUrlAuthType};
use common::*;
use serde_json::json;

const WEB: &str = r#"
import json, base64

def handler(event, context):
    if event["rawPath"] == "/bare":
        return {"just": "a value"}
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-seen-method": event["requestContext"]["http"]["method"]},
        "cookies": ["session=abc; Path=/"],
        "body": json.dumps({
            "version": event["version"],
            "rawPath": event["rawPath"],
            "rawQueryString": event["rawQueryString"],
            "query": event.get("queryStringParameters"),
            "body": event.get("body"),
            "cookies": event.get("cookies"),
            "custom": event["headers"].get("x-custom"),
        }),
    }
"#;

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn a_function_url_serves_http_with_payload_format_2() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(&client, "web", "python3.12", "app.handler", python_zip(WEB)).await;
    let created = client
        .create_function_url_config()
        .function_name("web")
        .auth_type(FunctionUrlAuthType::None)
        .cors(
            Cors::builder()
                .allow_origins("https://example.com")
                .allow_methods("POST")
                .max_age(60)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let url = created.function_url().to_string();
    assert!(
        url.starts_with("http://") && url.contains(".lambda-url.us-east-1.localhost:"),
        "{url}"
    );
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let url_id = host.split('.').next().unwrap().to_string();

    // Host-style.
    let (status, headers, body) = http(
        &laminar.url,
        "POST",
        "/things/1?a=1&b=2",
        &[
            ("Host", &host),
            ("x-custom", "yes"),
            ("Cookie", "c1=v1; c2=v2"),
            ("Origin", "https://example.com"),
        ],
        b"payload",
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "x-seen-method"), Some("POST"));
    assert_eq!(header(&headers, "set-cookie"), Some("session=abc; Path=/"));
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some("https://example.com")
    );
    let seen: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen["version"], "2.0");
    assert_eq!(seen["rawPath"], "/things/1");
    assert_eq!(seen["rawQueryString"], "a=1&b=2");
    assert_eq!(seen["query"], json!({"a": "1", "b": "2"}));
    assert_eq!(seen["body"], "payload");
    assert_eq!(seen["cookies"], json!(["c1=v1", "c2=v2"]));
    assert_eq!(seen["custom"], "yes");

    // Path-style, and a bare return value.
    let (status, headers, body) = http(
        &laminar.url,
        "GET",
        &format!("/lambda-url/{url_id}/bare"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        json!({"just": "a value"})
    );

    // CORS preflight answers without invoking.
    let (status, headers, _) = http(
        &laminar.url,
        "OPTIONS",
        &format!("/lambda-url/{url_id}/x"),
        &[
            ("Origin", "https://example.com"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "access-control-allow-methods"),
        Some("POST")
    );
    assert_eq!(header(&headers, "access-control-max-age"), Some("60"));

    let got = client
        .get_function_url_config()
        .function_name("web")
        .send()
        .await
        .unwrap();
    assert_eq!(got.function_url(), url);
    let listed = client
        .list_function_url_configs()
        .function_name("web")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.function_url_configs().len(), 1);
    let dup = client
        .create_function_url_config()
        .function_name("web")
        .auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap_err();
    assert!(dup.into_service_error().is_resource_conflict_exception());

    client
        .update_function_url_config()
        .function_name("web")
        .auth_type(FunctionUrlAuthType::AwsIam)
        .send()
        .await
        .unwrap();
    let (status, _, _) = http(
        &laminar.url,
        "GET",
        &format!("/lambda-url/{url_id}/"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 403, "AWS_IAM needs a signed request");

    client
        .delete_function_url_config()
        .function_name("web")
        .send()
        .await
        .unwrap();
    let (status, _, _) = http(
        &laminar.url,
        "GET",
        &format!("/lambda-url/{url_id}/"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 403, "a deleted URL is unknown: AWS's 403");
    let gone = client
        .get_function_url_config()
        .function_name("web")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn response_stream_urls_send_the_function_output() {
    let laminar = Laminar::start();
    let client = laminar.client();
    create(
        &client,
        "streamed-url",
        "python3.12",
        "app.handler",
        python_zip("def handler(event, context):\n    return 'streamed body'\n"),
    )
    .await;
    let created = client
        .create_function_url_config()
        .function_name("streamed-url")
        .auth_type(FunctionUrlAuthType::None)
        .invoke_mode(aws_sdk_lambda::types::InvokeMode::ResponseStream)
        .send()
        .await
        .unwrap();
    let url_id = created
        .function_url()
        .trim_start_matches("http://")
        .split('.')
        .next()
        .unwrap()
        .to_string();
    let (status, _, body) = http(
        &laminar.url,
        "GET",
        &format!("/lambda-url/{url_id}/"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, br#""streamed body""#);
}
