//! Layers through the SDK, and what functions find of them at run time.

mod common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{LayerVersionContentInput, Runtime};
use common::*;
use serde_json::json;

async fn publish(client: &aws_sdk_lambda::Client, name: &str, zip: Vec<u8>) -> String {
    client
        .publish_layer_version()
        .layer_name(name)
        .description("test layer")
        .compatible_runtimes(Runtime::Python312)
        .content(
            LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .layer_version_arn()
        .unwrap()
        .to_string()
}

const USES_LAYER: &str = "import greeting\n\ndef handler(event, context):\n    return {'greeting': greeting.TEXT, 'extra': greeting.extra()}\n";

#[tokio::test]
async fn layers_are_on_the_search_paths_in_order() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let base = publish(
        &client,
        "base",
        zip_of(&[
            ("python/greeting.py", b"TEXT = 'from the base layer'\ndef extra():\n    import helper\n    return helper.VALUE\n", 0o644),
            ("python/helper.py", b"VALUE = 'base helper'\n", 0o644),
        ]),
    )
    .await;
    assert_eq!(base, "arn:aws:lambda:us-east-1:000000000000:layer:base:1");
    let overriding = publish(
        &client,
        "override",
        zip_of(&[("python/helper.py", b"VALUE = 'later layer wins'\n", 0o644)]),
    )
    .await;

    client
        .create_function()
        .function_name("layered")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .layers(&base)
        .layers(&overriding)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(python_zip(USES_LAYER)))
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_active(&client, "layered").await;
    let config = client
        .get_function_configuration()
        .function_name("layered")
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = config.layers().iter().map(|l| l.arn().unwrap()).collect();
    assert_eq!(arns, [base.as_str(), overriding.as_str()], "order kept");

    let (error, body) = invoke_json(&client, "layered", json!({})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["greeting"], "from the base layer");
    assert_eq!(body["extra"], "later layer wins");

    // Deleting a layer version keeps functions that use it working.
    client
        .delete_layer_version()
        .layer_name("base")
        .version_number(1)
        .send()
        .await
        .unwrap();
    client
        .update_function_configuration()
        .function_name("layered")
        .description("touch")
        .send()
        .await
        .unwrap();
    wait_updated(&client, "layered").await;
    let (error, _) = invoke_json(&client, "layered", json!({})).await;
    assert_eq!(error, None);
    // ...but new attachments of it fail.
    let gone = client
        .update_function_configuration()
        .function_name("layered")
        .layers(&base)
        .send()
        .await
        .unwrap_err();
    assert!(gone
        .into_service_error()
        .is_invalid_parameter_value_exception());
}

#[tokio::test]
async fn node_modules_and_bootstrap_can_come_from_layers() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let modules = publish(
        &client,
        "node-mods",
        zip_of(&[(
            "nodejs/node_modules/greet/index.js",
            b"module.exports = () => 'hello from a node layer';\n",
            0o644,
        )]),
    )
    .await;
    client
        .create_function()
        .function_name("node-layered")
        .runtime(Runtime::Nodejs22x)
        .handler("index.handler")
        .role(ROLE)
        .layers(&modules)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(node_zip(
                    "const greet = require('greet');\nexports.handler = async () => greet();\n",
                )))
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_active(&client, "node-layered").await;
    let (error, body) = invoke_json(&client, "node-layered", json!({})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body, "hello from a node layer");

    // A custom runtime shipped as a layer: the function's zip has no bootstrap.
    let runtime_zip = rust_bootstrap_zip();
    let runtime_layer = publish(&client, "rust-runtime", runtime_zip).await;
    client
        .create_function()
        .function_name("bootstrap-in-layer")
        .runtime(Runtime::Providedal2023)
        .handler("unused")
        .role(ROLE)
        .layers(&runtime_layer)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(python_zip("# no bootstrap here\n")))
                .build(),
        )
        .send()
        .await
        .unwrap();
    wait_active(&client, "bootstrap-in-layer").await;
    let (error, body) = invoke_json(&client, "bootstrap-in-layer", json!({"via": "layer"})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["echo"], json!({"via": "layer"}));
}

#[tokio::test]
async fn the_layer_api_lists_reads_and_guards_layers() {
    let laminar = Laminar::start();
    let client = laminar.client();
    let zip = zip_of(&[("python/x.py", b"", 0o644)]);
    let v1 = publish(&client, "lib", zip.clone()).await;
    let v2 = publish(&client, "lib", zip.clone()).await;
    assert!(v2.ends_with(":lib:2"));

    let got = client
        .get_layer_version()
        .layer_name("lib")
        .version_number(1)
        .send()
        .await
        .unwrap();
    assert_eq!(got.layer_version_arn(), Some(v1.as_str()));
    assert_eq!(got.content().unwrap().code_size(), zip.len() as i64);
    let by_arn = client
        .get_layer_version_by_arn()
        .arn(&v2)
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.version(), 2);

    let versions = client
        .list_layer_versions()
        .layer_name("lib")
        .send()
        .await
        .unwrap();
    let numbers: Vec<i64> = versions
        .layer_versions()
        .iter()
        .map(|v| v.version())
        .collect();
    assert_eq!(numbers, [2, 1]);
    let layers = client.list_layers().send().await.unwrap();
    assert_eq!(layers.layers().len(), 1);
    assert_eq!(
        layers.layers()[0]
            .latest_matching_version()
            .unwrap()
            .version(),
        2
    );
    let none = client
        .list_layers()
        .compatible_runtime(Runtime::Nodejs22x)
        .send()
        .await
        .unwrap();
    assert!(none.layers().is_empty());

    let added = client
        .add_layer_version_permission()
        .layer_name("lib")
        .version_number(1)
        .statement_id("everyone")
        .action("lambda:GetLayerVersion")
        .principal("*")
        .send()
        .await
        .unwrap();
    assert!(added
        .statement()
        .unwrap()
        .contains("lambda:GetLayerVersion"));
    let policy = client
        .get_layer_version_policy()
        .layer_name("lib")
        .version_number(1)
        .send()
        .await
        .unwrap();
    assert!(policy.policy().unwrap().contains("everyone"));
    client
        .remove_layer_version_permission()
        .layer_name("lib")
        .version_number(1)
        .statement_id("everyone")
        .send()
        .await
        .unwrap();

    let too_many = client
        .create_function()
        .function_name("six")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .set_layers(Some(vec![v1.clone(); 6]))
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(python_zip("")))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(too_many
        .into_service_error()
        .is_invalid_parameter_value_exception());
    let unknown = client
        .create_function()
        .function_name("ghost")
        .runtime(Runtime::Python312)
        .handler("app.handler")
        .role(ROLE)
        .layers("arn:aws:lambda:us-east-1:000000000000:layer:ghost:9")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(python_zip("")))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(unknown
        .into_service_error()
        .is_invalid_parameter_value_exception());

    client
        .delete_layer_version()
        .layer_name("lib")
        .version_number(2)
        .send()
        .await
        .unwrap();
    let missing = client
        .get_layer_version()
        .layer_name("lib")
        .version_number(2)
        .send()
        .await
        .unwrap_err();
    assert!(missing
        .into_service_error()
        .is_resource_not_found_exception());
    let v3 = publish(&client, "lib", zip).await;
    assert!(v3.ends_with(":lib:3"), "numbers are never reused: {v3}");
}
