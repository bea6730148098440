//! A request for an AWS service laminar does not serve: recognised from the
//! services botocore knows (`services.rs`, generated) and answered with an
//! error in that service's own protocol, so an SDK reports it readably
//! instead of failing in its response parser.

use crate::render;
use crate::services::{Protocol, Service, SERVICES};
use axum::http::HeaderValue;
use axum::response::Response;
use quick_xml::escape::escape;

/// A request for a service laminar does not serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unserved {
    pub service: &'static Service,
}

/// Stands for a signing name or target no model knows.
static UNKNOWN_JSON: Service = Service {
    signing_name: "",
    target_prefix: "",
    query_version: "",
    protocol: Protocol::Json,
    name: "",
    xml_namespace: "",
};
static UNKNOWN_QUERY: Service = Service {
    protocol: Protocol::Query,
    ..UNKNOWN_JSON
};

impl Unserved {
    pub fn by_signing_name(name: &str) -> Self {
        let service = SERVICES
            .iter()
            .find(|s| s.signing_name == name)
            .unwrap_or(&UNKNOWN_JSON);
        Self { service }
    }

    pub fn by_target(target: &str) -> Self {
        let prefix = target.split('.').next().unwrap_or_default();
        let service = SERVICES
            .iter()
            .find(|s| !s.target_prefix.is_empty() && s.target_prefix == prefix)
            .unwrap_or(&UNKNOWN_JSON);
        Self { service }
    }

    pub fn by_query_version(version: &str) -> Self {
        let service = SERVICES
            .iter()
            .find(|s| !s.query_version.is_empty() && s.query_version == version)
            .unwrap_or(&UNKNOWN_QUERY);
        Self { service }
    }

    /// What the request asked for, for the message.
    fn described(&self, asked: &str) -> String {
        match (self.service.name, self.service.signing_name) {
            ("", _) => format!("the service of this request ({asked})"),
            (name, signing) => format!("{name} ({signing})"),
        }
    }

    /// 501 with code `NotImplemented` (not retried by the SDKs), in the
    /// service's protocol.
    pub fn respond(&self, asked: &str, request_id: &str) -> Response {
        let code = "NotImplemented";
        let message = format!(
            "laminar does not serve {}; it serves AWS Lambda, Amazon SQS, Amazon SNS, Amazon CloudWatch Logs, Amazon S3, Amazon Kinesis, Amazon DynamoDB, Amazon DynamoDB Streams, Amazon EventBridge, IAM and STS",
            self.described(asked)
        );
        let message = escape(message.as_str()).into_owned();
        let ns = match self.service.xml_namespace {
            "" => String::new(),
            ns => format!(" xmlns=\"{ns}\""),
        };
        let response = match self.service.protocol {
            Protocol::Query | Protocol::RestXml => render::raw(
                501,
                "text/xml",
                format!(
                    "<ErrorResponse{ns}><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
                ),
            ),
            Protocol::Ec2 => render::raw(
                501,
                "text/xml",
                format!(
                    "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
                ),
            ),
            Protocol::Json | Protocol::RestJson => {
                let body = serde_json::json!({ "__type": code, "message": message });
                let mut response = render::raw(501, "application/x-amz-json-1.1", body.to_string());
                response
                    .headers_mut()
                    .insert("x-amzn-errortype", HeaderValue::from_static(code));
                response
            }
        };
        render::with_request_id(response, request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_services_by_signing_name_target_and_version() {
        assert_eq!(
            Unserved::by_signing_name("sns").service.protocol,
            Protocol::Query
        );
        assert_eq!(
            Unserved::by_signing_name("iam").service.query_version,
            "2010-05-08"
        );
        assert_eq!(
            Unserved::by_target("DynamoDB_20120810.PutItem")
                .service
                .signing_name,
            "dynamodb"
        );
        assert_eq!(
            Unserved::by_signing_name("ec2").service.protocol,
            Protocol::Ec2
        );
        assert_eq!(
            Unserved::by_query_version("2010-03-31")
                .service
                .signing_name,
            "sns"
        );
        assert_eq!(
            Unserved::by_signing_name("nope").service.protocol,
            Protocol::Json
        );
    }
}
