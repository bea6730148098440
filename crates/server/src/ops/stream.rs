//! InvokeWithResponseStream: the function's response as an AWS event stream
//! (`PayloadChunk` events, then `InvokeComplete`), written as it arrives.

use super::handler::{Ctx, OpResult};
use crate::render;
use aws_smithy_types::event_stream::{Header, HeaderValue as EventHeader, Message};
use axum::body::Body;
use axum::http::HeaderValue;
use bytes::Bytes;
use laminar_lambda::{InvocationType, InvokeInput, StreamEvent};
use laminar_model::enums::ResponseStreamingInvocationType;
use laminar_model::input;

fn event(kind: &'static str, content_type: &'static str, payload: Bytes) -> Bytes {
    let message = Message::new(payload)
        .add_header(Header::new(":event-type", EventHeader::String(kind.into())))
        .add_header(Header::new(
            ":content-type",
            EventHeader::String(content_type.into()),
        ))
        .add_header(Header::new(
            ":message-type",
            EventHeader::String("event".into()),
        ));
    let mut frame = Vec::new();
    match aws_smithy_eventstream::frame::write_message_to(&message, &mut frame) {
        Ok(()) => Bytes::from(frame),
        Err(e) => {
            tracing::error!(error = %e, "could not encode an event stream message");
            Bytes::new()
        }
    }
}

fn encode(item: StreamEvent) -> Bytes {
    match item {
        StreamEvent::Chunk(payload) => event("PayloadChunk", "application/octet-stream", payload),
        StreamEvent::Complete {
            error_code,
            error_details,
            log_result,
        } => {
            let mut body = serde_json::Map::new();
            if let Some(code) = error_code {
                body.insert("ErrorCode".into(), code.into());
            }
            if let Some(details) = error_details {
                body.insert("ErrorDetails".into(), details.into());
            }
            if let Some(log) = log_result {
                body.insert("LogResult".into(), log.into());
            }
            let json = serde_json::Value::Object(body).to_string();
            event("InvokeComplete", "application/json", Bytes::from(json))
        }
    }
}

pub async fn invoke_with_response_stream(
    ctx: Ctx,
    input: input::InvokeWithResponseStream,
) -> OpResult {
    let request_id = uuid::Uuid::new_v4().to_string();
    let input = InvokeInput {
        function_name: input.function_name,
        qualifier: input.qualifier,
        invocation_type: input.invocation_type.map(|t| match t {
            ResponseStreamingInvocationType::RequestResponse => InvocationType::RequestResponse,
            ResponseStreamingInvocationType::DryRun => InvocationType::DryRun,
        }),
        log_type: input.log_type,
        client_context: input.client_context,
        payload: input.payload,
        durable_execution_name: None,
        request_id: Some(request_id.clone()),
        tenant_id: input.tenant_id,
    };
    let streaming = ctx
        .service
        .invoke_with_response_stream(&ctx.scope, input)
        .await?;
    let body = futures_util::stream::unfold(streaming.events, |mut events| async move {
        let item = events.recv().await?;
        Some((Ok::<_, std::convert::Infallible>(encode(item)), events))
    });
    let mut response = render::raw(
        ctx.status,
        "application/vnd.amazon.eventstream",
        Body::from_stream(body),
    );
    if let Ok(v) = HeaderValue::from_str(&streaming.executed_version) {
        response.headers_mut().insert("x-amz-executed-version", v);
    }
    render::set_request_id(response.headers_mut(), &request_id);
    Ok(response)
}
